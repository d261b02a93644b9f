-- A lease on each task: which agent (and which of its sessions) may work on it, and until when
-- (controller clock, ms). A standby agent is given a task only once the previous holder's lease has
-- run out, and the controller stores updates only from the holder. last_seq counts the holder's
-- own update numbers, so it restarts at 0 whenever the lease passes to another agent.
ALTER TABLE tasks ADD COLUMN lease_agent TEXT;
ALTER TABLE tasks ADD COLUMN lease_session TEXT;
ALTER TABLE tasks ADD COLUMN lease_expires_at_ms INTEGER;
CREATE INDEX tasks_lease_session ON tasks (lease_session) WHERE active = 1;
