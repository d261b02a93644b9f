/**
 * The agent's edge of the agent stream: agent.v1 job definitions to runtime-driver types, and what
 * the executor reports back to agent.v1 results. Each shape is converted here once.
 */
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import {
  type JobDefinition as ProtoJobDefinition,
  OutputPrivacy as ProtoOutputPrivacy,
  Stage,
  TaskOutcome,
  TaskResultSchema,
  type TaskResult,
} from "../gen/agent/v1/agent_pb.js";
import {
  redactResultsForController,
  type DatabaseTaskResults,
  type ExecutorState,
  type JobDefinition,
  type JobStatus,
  type OutputPrivacy,
} from "../runtime-drivers/index.js";

const PRIVACIES: ReadonlyMap<ProtoOutputPrivacy, OutputPrivacy> = new Map([
  [ProtoOutputPrivacy.HIGHLY_SENSITIVE, "highly_sensitive"],
  [ProtoOutputPrivacy.MODERATELY_SENSITIVE, "moderately_sensitive"],
  [ProtoOutputPrivacy.MINIMALLY_SENSITIVE, "minimally_sensitive"],
]);

export const STAGES: Readonly<Record<ExecutorState, Stage>> = {
  unknown: Stage.UNKNOWN,
  preparing: Stage.PREPARING,
  prepared: Stage.PREPARED,
  executing: Stage.EXECUTING,
  executed: Stage.EXECUTED,
  finalizing: Stage.FINALIZING,
  finalized: Stage.FINALIZED,
  error: Stage.ERROR,
};

/** A definition the agent cannot run as given; the task fails permanently with this message. */
export class InvalidDefinitionError extends Error {
  override readonly name = "InvalidDefinitionError";
}

function outputSpec(definition: ProtoJobDefinition): Record<string, OutputPrivacy> {
  return Object.fromEntries(
    Object.entries(definition.outputSpec).map(([glob, privacy]) => {
      const level = PRIVACIES.get(privacy);
      if (!level) throw new InvalidDefinitionError(`output ${glob} of job ${definition.id} has no privacy level`);
      return [glob, level];
    }),
  );
}

export function jobFromProto(definition: ProtoJobDefinition): JobDefinition {
  return {
    id: definition.id,
    rapId: definition.rapId,
    taskId: definition.taskId,
    repoUrl: definition.repoUrl,
    commit: definition.commit,
    study: {
      gitRepoUrl: definition.study?.gitRepoUrl ?? definition.repoUrl,
      commit: definition.study?.commit ?? definition.commit,
      branch: definition.study?.branch ?? "",
    },
    workspace: definition.workspace,
    action: definition.action,
    createdAt: Number(definition.createdAt),
    image: definition.image,
    imageSha: definition.imageSha,
    args: [...definition.args],
    env: { ...definition.env },
    inputJobIds: [...definition.inputJobIds],
    outputSpec: outputSpec(definition),
    allowDatabaseAccess: definition.allowDatabaseAccess,
    level4MaxCsvRows: Number(definition.level4MaxCsvRows),
    level4MaxFilesize: Number(definition.level4MaxFilesize),
    // Upstream's rule for definitions from older controllers: CSV only.
    level4FileTypes: definition.level4FileTypes.length > 0 ? [...definition.level4FileTypes] : [".csv"],
    user: definition.user,
    databaseName: definition.databaseName,
    cpuCount: definition.cpuCount || undefined,
    memoryLimit: definition.memoryLimit || undefined,
  };
}

type ResultInit = MessageInitShape<typeof TaskResultSchema>;

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  value !== null && typeof value === "object" && !Array.isArray(value);
const numberOr0 = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : 0);

/** metadata.json writes the exit code as a string ("0", "137", or "None" when no container ran). */
function exitCodeOf(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "string" && /^-?\d+$/.test(value)) return Number(value);
  return undefined;
}

function metricsOf(value: unknown): ResultInit["jobMetrics"] {
  if (!isRecord(value) || Object.keys(value).length === 0) return undefined;
  return {
    cpuSample: numberOr0(value.cpu_sample),
    cpuCumsum: numberOr0(value.cpu_cumsum),
    cpuMean: numberOr0(value.cpu_mean),
    cpuPeak: numberOr0(value.cpu_peak),
    memMbSample: numberOr0(value.mem_mb_sample),
    memMbCumsum: numberOr0(value.mem_mb_cumsum),
    memMbMean: numberOr0(value.mem_mb_mean),
    memMbPeak: numberOr0(value.mem_mb_peak),
    containerId: typeof value.container_id === "string" ? value.container_id : "",
  };
}

/**
 * The result of a finished job attempt, from its metadata (redacted first: no file names, patterns
 * or log text reach the controller). An `error` entry means the executor failed, `cancelled` that a
 * CANCELJOB stopped the job; otherwise the job ran to its end.
 */
export function jobTaskResult(status: JobStatus): TaskResult {
  const metadata = redactResultsForController(status.results);
  const fields: ResultInit = {
    exitCode: exitCodeOf(metadata.exit_code),
    statusMessage: typeof metadata.status_message === "string" ? metadata.status_message : "",
    hasUnmatchedPatterns: metadata.has_unmatched_patterns === true,
    hasLevel4ExcludedFiles: metadata.has_level4_excluded_files === true,
    jobMetrics: metricsOf(metadata.job_metrics),
  };
  const error = metadata.error;
  if (status.state === "error" || isRecord(error)) {
    const failure = isRecord(error) ? error : {};
    return create(TaskResultSchema, {
      ...fields,
      outcome: TaskOutcome.FAILED,
      error: {
        type: typeof failure.type === "string" ? failure.type : "Error",
        message: typeof failure.message === "string" ? failure.message : "the executor reported an error without a message",
        permanent: failure.permanent === true,
      },
    });
  }
  return create(TaskResultSchema, {
    ...fields,
    outcome: metadata.cancelled === true ? TaskOutcome.CANCELLED : TaskOutcome.FINISHED,
  });
}

/** The result of a DBSTATUS / DBDATACHECK check. */
export function databaseTaskResult(results: DatabaseTaskResults): TaskResult {
  if (results.error) {
    return create(TaskResultSchema, {
      outcome: TaskOutcome.FAILED,
      // A check runs again on its next schedule; nothing to retry here.
      error: { type: results.error.type, message: results.error.message, permanent: false },
    });
  }
  return create(TaskResultSchema, { outcome: TaskOutcome.FINISHED, databaseStatus: results.results.status });
}

/** A task the agent could not start at all (a definition it cannot run). */
export function failedTaskResult(error: unknown, permanent: boolean): TaskResult {
  const type = error instanceof Error ? error.name : "Error";
  const message = error instanceof Error ? error.message : String(error);
  return create(TaskResultSchema, { outcome: TaskOutcome.FAILED, error: { type, message, permanent } });
}
