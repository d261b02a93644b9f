/**
 * `metadata.json` in the job's log folder (reference §5.9): everything known about a finished job
 * attempt. Its presence is what makes the job "finalized" (or "error"), so it is written last and
 * atomically. Reading it back is scoped to the task (§5.5 step 2): a file left by an earlier task
 * of the same job (an earlier attempt, or a cancel) does not count for a new task.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { ExecutorFailure, JobDefinition, OutputPrivacy, StorageLayout } from "../types.js";
import { isNotFound, writeFileAtomic } from "./atomic-file.js";
import { pythonJsonDumps } from "./python-format.js";
import { containerName, jobLogDir, jobLogRoot } from "./storage-paths.js";

export const METADATA_FILE = "metadata.json";

/** Values for keys that older metadata files may lack, filled in on read. */
export const METADATA_DEFAULTS: Readonly<Record<string, unknown>> = Object.freeze({
  hint: null,
  unmatched_patterns: [],
  unmatched_outputs: [],
  timestamp_ns: null,
  action_version: null,
  action_revision: null,
  action_created: null,
  base_revision: null,
  base_created: null,
  level4_excluded_files: {},
  cancelled: false,
  error: false,
  job_metrics: {},
  user: null,
});

/** What the container runtime reported; undefined when no container existed. */
export interface MetadataContainerFacts {
  readonly exitCode: number;
  readonly oomKilled: boolean;
  readonly imageId: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Raw inspect output, already redacted. */
  readonly inspect: Readonly<Record<string, unknown>>;
}

export interface MetadataInput {
  readonly job: JobDefinition;
  readonly container: MetadataContainerFacts | undefined;
  readonly outputs: Readonly<Record<string, OutputPrivacy>>;
  readonly unmatchedPatterns: readonly string[];
  readonly unmatchedOutputs: readonly string[];
  readonly statusMessage: string | null;
  readonly hint: string | null;
  readonly cancelled: boolean;
  readonly error: ExecutorFailure | undefined;
  readonly metrics: Readonly<Record<string, unknown>>;
  readonly now: Date;
}

/** Builds the metadata object with upstream's keys, in upstream's order. */
export function buildJobMetadata(input: MetadataInput): Record<string, unknown> {
  const { job, container } = input;
  const label = (name: string): string => container?.labels[name] ?? "unknown";
  const nowMs = input.now.getTime();
  return {
    outputs: { ...input.outputs },
    unmatched_patterns: [...input.unmatchedPatterns],
    unmatched_outputs: [...input.unmatchedOutputs],
    status_message: input.statusMessage,
    hint: input.hint,
    timestamp_ns: nowMs * 1_000_000,
    job_definition_id: job.id,
    job_definition_rap_id: job.rapId,
    task_id: job.taskId,
    created_at: job.createdAt,
    user: job.user,
    completed_at: Math.floor(nowMs / 1000),
    docker_image_id: container ? container.imageId : null,
    expected_image_id: job.imageSha ?? null,
    // A string so that a 0 exit code still shows in the job log; "None" when there was no container.
    exit_code: container ? String(container.exitCode) : "None",
    oom_killed: container ? container.oomKilled : null,
    container_metadata: container ? { ...container.inspect } : {},
    commit: job.study.commit,
    database_name: job.databaseName ?? null,
    action_version: label("org.opencontainers.image.version"),
    action_revision: label("org.opencontainers.image.revision"),
    action_created: label("org.opencontainers.image.created"),
    base_revision: label("org.opensafely.base.vcs-ref"),
    base_created: label("org.opencontainers.base.build-date"),
    level4_excluded_files: {},
    cancelled: input.cancelled,
    error: input.error ? { ...input.error } : null,
    job_metrics: { ...input.metrics },
  };
}

export async function writeJobMetadata(
  layout: StorageLayout,
  job: JobDefinition,
  metadata: Readonly<Record<string, unknown>>,
): Promise<void> {
  await writeFileAtomic(path.join(jobLogDir(layout, job), METADATA_FILE), pythonJsonDumps(metadata));
}

/**
 * Finds `<high>/logs/<any month>/os-job-<id>/metadata.json`. Callers that only have a job id do not
 * know the month, so every month folder is looked in; two hits mean a corrupt store and throw.
 */
export async function findJobMetadataFile(layout: StorageLayout, jobId: string): Promise<string | undefined> {
  let months: string[];
  try {
    months = await readdir(jobLogRoot(layout));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  const hits: string[] = [];
  for (const month of months.sort()) {
    const candidate = path.join(jobLogRoot(layout), month, containerName(jobId), METADATA_FILE);
    try {
      if ((await stat(candidate)).isFile()) hits.push(candidate);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  if (hits.length > 1) throw new Error(`Expected at most one metadata file for job ${jobId}, got: ${hits.join(", ")}`);
  return hits[0];
}

/** Metadata of a job by id with defaults filled in, or `{}` when it has none. Not task-scoped. */
export async function readJobMetadataById(layout: StorageLayout, jobId: string): Promise<Record<string, unknown>> {
  const file = await findJobMetadataFile(layout, jobId);
  if (!file) return {};
  const parsed: unknown = JSON.parse(await readFile(file, "utf8"));
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error(`${file} is not a JSON object`);
  return { ...structuredClone(METADATA_DEFAULTS), ...(parsed as Record<string, unknown>) };
}

/**
 * Metadata recorded by this job definition's task, or `{}`. When both the definition and the file
 * name a (non-empty) task id and they differ, the file belongs to another task and is ignored.
 */
export async function readJobMetadata(
  layout: StorageLayout,
  job: Pick<JobDefinition, "id" | "taskId">,
): Promise<Record<string, unknown>> {
  const metadata = await readJobMetadataById(layout, job.id);
  const fileTaskId = metadata.task_id;
  if (job.taskId && typeof fileTaskId === "string" && fileTaskId && fileTaskId !== job.taskId) return {};
  return metadata;
}
