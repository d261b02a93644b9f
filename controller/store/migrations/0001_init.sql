-- Jobs, tasks and flags, with upstream's columns (reference/jobrunner.md §3.5-3.7) so job-server
-- sees the same ids, codes and messages. JSON columns hold JSON text.
CREATE TABLE job (
  id TEXT PRIMARY KEY,
  rap_id TEXT NOT NULL,
  backend TEXT NOT NULL,
  state TEXT NOT NULL,
  status_code TEXT NOT NULL,
  status_message TEXT NOT NULL,
  repo_url TEXT NOT NULL,
  "commit" TEXT NOT NULL,
  branch TEXT NOT NULL,
  workspace TEXT NOT NULL,
  database_name TEXT NOT NULL,
  action TEXT NOT NULL,
  action_repo_url TEXT,
  action_commit TEXT,
  requires_outputs_from TEXT NOT NULL,
  wait_for_job_ids TEXT NOT NULL,
  run_command TEXT NOT NULL,
  output_spec TEXT NOT NULL,
  cancelled INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  started_at INTEGER,
  completed_at INTEGER,
  -- Upstream keeps nanoseconds; milliseconds are exact in a JS number and enough for ordering.
  status_code_updated_at_ms INTEGER NOT NULL,
  trace_context TEXT NOT NULL,
  requires_db INTEGER NOT NULL,
  user TEXT NOT NULL,
  project TEXT NOT NULL,
  orgs TEXT NOT NULL,
  analysis_scope TEXT NOT NULL
);
CREATE INDEX job_rap_id ON job (rap_id);
CREATE INDEX job_active ON job (state) WHERE state IN ('pending', 'running');
CREATE INDEX job_workspace_action ON job (backend, workspace, action, created_at);

CREATE TABLE tasks (
  id TEXT PRIMARY KEY,
  backend TEXT NOT NULL,
  type TEXT NOT NULL,
  -- The job a RUNJOB/CANCELJOB task belongs to (upstream finds it by id glob; we store it).
  job_id TEXT,
  definition TEXT NOT NULL,
  active INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  finished_at INTEGER,
  attributes TEXT NOT NULL,
  agent_stage TEXT,
  agent_complete INTEGER NOT NULL DEFAULT 0,
  agent_results TEXT,
  -- Decimal text: nanoseconds do not fit a JS number exactly.
  agent_timestamp_ns TEXT,
  -- Highest update sequence number persisted from the agent (updates at or below it are duplicates).
  last_seq INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tasks_active ON tasks (backend) WHERE active = 1;
CREATE INDEX tasks_job ON tasks (job_id, type);

CREATE TABLE flags (
  id TEXT NOT NULL,
  backend TEXT NOT NULL,
  value TEXT,
  -- Unix seconds (float) of the last change of value.
  timestamp REAL NOT NULL,
  PRIMARY KEY (id, backend)
);
