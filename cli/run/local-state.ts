/**
 * What a local run remembers between runs: the latest job of each action (`metadata/.rap/jobs.json`),
 * the workspace state the controller's planner takes. The planner then applies exactly the
 * controller's rules (skip succeeded actions unless forced, re-run failed ones); as opensafely-cli
 * does, an action whose recorded outputs are no longer all on disk counts as never run.
 */
import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import type { Job } from "../../controller/jobs/job.js";
import type { State, StatusCode } from "../../controller/jobs/status.js";
import { containerName, jobLogDir, writeFileAtomic } from "../../runtime-drivers/job-files/index.js";
import type { LocalLayout } from "./local-layout.js";

export interface LocalJobRecord {
  readonly job_id: string;
  readonly rap_id: string;
  readonly action: string;
  readonly state: State;
  readonly status_code: StatusCode;
  readonly status_message: string;
  readonly created_at: number;
  readonly started_at: number | null;
  readonly completed_at: number | null;
  /** Output files (relative to the study directory) the job produced. */
  readonly outputs: readonly string[];
}

export type LocalJobRecords = Readonly<Record<string, LocalJobRecord>>;

export async function readJobRecords(layout: LocalLayout): Promise<LocalJobRecords> {
  let text: string;
  try {
    text = await readFile(layout.jobsFile, "utf8");
  } catch {
    return {};
  }
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${layout.jobsFile} is not a JSON object; remove it to start afresh`);
  }
  return parsed as LocalJobRecords;
}

export async function writeJobRecords(layout: LocalLayout, records: LocalJobRecords): Promise<void> {
  await writeFileAtomic(layout.jobsFile, `${JSON.stringify(records, null, 2)}\n`);
}

/** Removes the log folder of a job that is no longer any action's latest (it can never be an input again). */
export async function forgetJob(layout: LocalLayout, record: LocalJobRecord): Promise<void> {
  const dir = jobLogDir(layout.storage, { id: record.job_id, createdAt: record.created_at });
  if (path.basename(dir) === containerName(record.job_id)) await rm(dir, { recursive: true, force: true });
}

/** The planner's view of a record, as the controller would hold the job in its database. */
export function recordAsJob(record: LocalJobRecord, base: Pick<Job, "backend" | "workspace" | "repoUrl">): Job {
  return {
    id: record.job_id,
    rapId: record.rap_id,
    backend: base.backend,
    state: record.state,
    statusCode: record.status_code,
    statusMessage: record.status_message,
    repoUrl: base.repoUrl,
    commit: "",
    branch: "",
    workspace: base.workspace,
    databaseName: "default",
    action: record.action,
    actionRepoUrl: null,
    actionCommit: null,
    requiresOutputsFrom: [],
    waitForJobIds: [],
    runCommand: "",
    outputSpec: {},
    cancelled: false,
    createdAt: record.created_at,
    updatedAt: record.completed_at ?? record.created_at,
    startedAt: record.started_at,
    completedAt: record.completed_at,
    statusCodeUpdatedAtMs: (record.completed_at ?? record.created_at) * 1000,
    traceContext: {},
    requiresDb: false,
    user: "",
    project: "",
    orgs: [],
    analysisScope: {},
  };
}

/** The workspace state for planning: records of actions still in the project whose outputs are all present. */
export function workspaceState(
  layout: LocalLayout,
  records: LocalJobRecords,
  actions: ReadonlySet<string>,
  base: Pick<Job, "backend" | "workspace" | "repoUrl">,
): Map<string, Job> {
  const state = new Map<string, Job>();
  for (const [action, record] of Object.entries(records)) {
    if (!actions.has(action)) continue;
    const present = record.outputs.every((file) => existsSync(path.join(layout.studyDir, file)));
    if (record.state === "succeeded" && !present) continue;
    state.set(action, recordAsJob(record, base));
  }
  return state;
}
