/** Mapping between SQLite rows and domain objects; the only place that knows column names. */
import type { AnalysisScope, Job, Task, TaskType } from "../jobs/job.js";
import type { State, StatusCode } from "../jobs/status.js";
import { parseStage, parseTaskDefinition, parseTaskResult } from "./task-columns.js";

export interface JobRow {
  id: string;
  rap_id: string;
  backend: string;
  state: string;
  status_code: string;
  status_message: string;
  repo_url: string;
  commit: string;
  branch: string;
  workspace: string;
  database_name: string;
  action: string;
  action_repo_url: string | null;
  action_commit: string | null;
  requires_outputs_from: string;
  wait_for_job_ids: string;
  run_command: string;
  output_spec: string;
  cancelled: number;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  completed_at: number | null;
  status_code_updated_at_ms: number;
  trace_context: string;
  requires_db: number;
  user: string;
  project: string;
  orgs: string;
  analysis_scope: string;
}

export interface TaskRow {
  id: string;
  backend: string;
  type: string;
  job_id: string | null;
  definition: string;
  active: number;
  created_at: number;
  finished_at: number | null;
  attributes: string;
  agent_stage: string | null;
  agent_complete: number;
  agent_results: string | null;
  agent_timestamp_ns: string | null;
  last_seq: number;
}

/** Every job column, in table order. */
export const JOB_COLUMNS = [
  "id",
  "rap_id",
  "backend",
  "state",
  "status_code",
  "status_message",
  "repo_url",
  "commit",
  "branch",
  "workspace",
  "database_name",
  "action",
  "action_repo_url",
  "action_commit",
  "requires_outputs_from",
  "wait_for_job_ids",
  "run_command",
  "output_spec",
  "cancelled",
  "created_at",
  "updated_at",
  "started_at",
  "completed_at",
  "status_code_updated_at_ms",
  "trace_context",
  "requires_db",
  "user",
  "project",
  "orgs",
  "analysis_scope",
] as const satisfies readonly (keyof JobRow)[];

function parseJson<T>(text: string): T {
  return JSON.parse(text) as T;
}

export function jobFromRow(row: JobRow): Job {
  return {
    id: row.id,
    rapId: row.rap_id,
    backend: row.backend,
    state: row.state as State,
    statusCode: row.status_code as StatusCode,
    statusMessage: row.status_message,
    repoUrl: row.repo_url,
    commit: row.commit,
    branch: row.branch,
    workspace: row.workspace,
    databaseName: row.database_name,
    action: row.action,
    actionRepoUrl: row.action_repo_url,
    actionCommit: row.action_commit,
    requiresOutputsFrom: parseJson<string[]>(row.requires_outputs_from),
    waitForJobIds: parseJson<string[]>(row.wait_for_job_ids),
    runCommand: row.run_command,
    outputSpec: parseJson<Record<string, Record<string, string>>>(row.output_spec),
    cancelled: row.cancelled === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    completedAt: row.completed_at,
    statusCodeUpdatedAtMs: row.status_code_updated_at_ms,
    traceContext: parseJson<Record<string, string>>(row.trace_context),
    requiresDb: row.requires_db === 1,
    user: row.user,
    project: row.project,
    orgs: parseJson<string[]>(row.orgs),
    analysisScope: parseJson<AnalysisScope>(row.analysis_scope),
  };
}

export function jobToRow(job: Job): JobRow {
  return {
    id: job.id,
    rap_id: job.rapId,
    backend: job.backend,
    state: job.state,
    status_code: job.statusCode,
    status_message: job.statusMessage,
    repo_url: job.repoUrl,
    commit: job.commit,
    branch: job.branch,
    workspace: job.workspace,
    database_name: job.databaseName,
    action: job.action,
    action_repo_url: job.actionRepoUrl,
    action_commit: job.actionCommit,
    requires_outputs_from: JSON.stringify(job.requiresOutputsFrom),
    wait_for_job_ids: JSON.stringify(job.waitForJobIds),
    run_command: job.runCommand,
    output_spec: JSON.stringify(job.outputSpec),
    cancelled: job.cancelled ? 1 : 0,
    created_at: job.createdAt,
    updated_at: job.updatedAt,
    started_at: job.startedAt,
    completed_at: job.completedAt,
    status_code_updated_at_ms: job.statusCodeUpdatedAtMs,
    trace_context: JSON.stringify(job.traceContext),
    requires_db: job.requiresDb ? 1 : 0,
    user: job.user,
    project: job.project,
    orgs: JSON.stringify(job.orgs),
    analysis_scope: JSON.stringify(job.analysisScope),
  };
}

export function taskFromRow(row: TaskRow): Task {
  return {
    id: row.id,
    backend: row.backend,
    type: row.type as TaskType,
    jobId: row.job_id,
    definition: parseTaskDefinition(row.id, row.definition),
    active: row.active === 1,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    attributes: parseJson<Record<string, string>>(row.attributes),
    agentStage: row.agent_stage === null ? null : parseStage(row.id, row.agent_stage),
    agentComplete: row.agent_complete === 1,
    agentResult: row.agent_results === null ? null : parseTaskResult(row.id, row.agent_results),
    agentTimestampNs: row.agent_timestamp_ns === null ? null : BigInt(row.agent_timestamp_ns),
    lastSeq: row.last_seq,
  };
}
