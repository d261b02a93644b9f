/**
 * The runtime-independent half of an executor's `finalize` (reference §5.7 steps 4-6): match the
 * outputs in the job's volume, choose the status message, build the metadata, persist the outputs
 * and write the job log and metadata.json. The driver supplies what only the runtime knows (the
 * container's inspect facts and its logs) and calls this once the container has stopped.
 *
 * Cancelled and errored jobs skip matching and persist nothing: they record a log (when a container
 * ran) and metadata only. metadata.json is written last, because its existence is what marks the
 * task finalized; a crash before that leaves the job to be finalized again.
 */
import type { ExecutorFailure, JobDefinition, OutputPrivacy, StorageLayout } from "../types.js";
import { redactContainerInspect } from "./env-redaction.js";
import { findOutputs, findUnmatchedOutputs } from "./find-outputs.js";
import { writeJobLog, type ContainerLogFile } from "./job-log.js";
import { buildJobMetadata, readJobMetadata, writeJobMetadata } from "./job-metadata.js";
import { persistOutputs } from "./persist-outputs.js";
import { statusMessageFor } from "./status-messages.js";

/** Facts from `docker container inspect`; undefined when no container existed. */
export interface ContainerFacts {
  exitCode: number;
  oomKilled: boolean;
  memoryLimitBytes: number;
  imageId: string;
  labels: Record<string, string>;
  /** Raw inspect JSON; its environment is redacted here before it is stored. */
  inspect: Record<string, unknown>;
  /** Why the runtime stopped the job, when it did (see statusMessageFor). */
  message?: string | undefined;
}

export interface FinalizeJobFilesInput {
  job: JobDefinition;
  layout: StorageLayout;
  volumeDir: string;
  container: ContainerFacts | undefined;
  /** Container logs, already fetched by the driver: the text, or the file it wrote them to. */
  logs: string | ContainerLogFile;
  cancelled: boolean;
  error?: ExecutorFailure;
  /** job_metrics; may be `{}`. */
  metrics: Record<string, unknown>;
  /** Action names of the study's project.yaml at the study commit; undefined skips that manifest step. */
  readStudyProjectActions?: () => Promise<Set<string> | undefined>;
  /** Injectable clock for tests. */
  now?: () => Date;
}

/** Finalizes one task's files and returns the metadata written to metadata.json. */
export async function finalizeJobFiles(input: FinalizeJobFilesInput): Promise<Record<string, unknown>> {
  const { job, layout, container, cancelled, error } = input;
  const stopped = cancelled || error !== undefined;

  const existing = await readJobMetadata(layout, job);
  if (Object.keys(existing).length > 0) {
    throw new Error(`task ${job.taskId} for job ${job.id} has already been finalized`);
  }

  let outputs: Record<string, OutputPrivacy> = {};
  let unmatchedPatterns: string[] = [];
  let unmatchedOutputs: string[] = [];
  if (!stopped) {
    ({ outputs, unmatchedPatterns } = await findOutputs(input.volumeDir, job.outputSpec));
    unmatchedOutputs = await findUnmatchedOutputs(input.volumeDir, outputs);
  }

  const { message, hint } = statusMessageFor({
    container,
    cancelled,
    errored: error !== undefined,
    outputCount: Object.keys(outputs).length,
    unmatchedPatterns,
    unmatchedOutputs,
  });

  const metadata = buildJobMetadata({
    job,
    container: container && { ...container, inspect: redactContainerInspect(container.inspect) },
    outputs,
    unmatchedPatterns,
    unmatchedOutputs,
    statusMessage: message,
    hint,
    cancelled,
    error,
    metrics: input.metrics,
    now: (input.now ?? (() => new Date()))(),
  });

  if (stopped) {
    if (container) await writeJobLog({ layout, job, logs: input.logs, metadata, excluded: undefined, copyToWorkspaces: false });
  } else {
    const excluded = await persistOutputs({
      job,
      layout,
      volumeDir: input.volumeDir,
      outputs,
      readStudyProjectActions: input.readStudyProjectActions,
    });
    metadata.level4_excluded_files = excluded;
    await writeJobLog({ layout, job, logs: input.logs, metadata, excluded, copyToWorkspaces: true });
  }
  await writeJobMetadata(layout, job, metadata);
  return metadata;
}
