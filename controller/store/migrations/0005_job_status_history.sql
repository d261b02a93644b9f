-- Every status a job has had, with when it changed, for `rap job` (operators ask "when did it start
-- waiting, and for what?"). Written by triggers so no code path that changes a job can forget it;
-- the time is the job's own status_code_updated_at_ms, i.e. the transition time set_code recorded.
CREATE TABLE job_status_history (
  job_id TEXT NOT NULL,
  status_code TEXT NOT NULL,
  status_message TEXT NOT NULL,
  at_ms INTEGER NOT NULL
);
CREATE INDEX job_status_history_job ON job_status_history (job_id, at_ms);

CREATE TRIGGER job_status_history_insert AFTER INSERT ON job
BEGIN
  INSERT INTO job_status_history VALUES (NEW.id, NEW.status_code, NEW.status_message, NEW.status_code_updated_at_ms);
END;

CREATE TRIGGER job_status_history_update AFTER UPDATE OF status_code ON job
  WHEN NEW.status_code != OLD.status_code
BEGIN
  INSERT INTO job_status_history VALUES (NEW.id, NEW.status_code, NEW.status_message, NEW.status_code_updated_at_ms);
END;
