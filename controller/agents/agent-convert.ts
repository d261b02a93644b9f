/**
 * The agent stream's edge: task rows to agent.v1 messages, and agent reports back to domain types.
 * The controller's only bridge to agent.v1; each shape is converted here once, field by field.
 */
import { create } from "@bufbuild/protobuf";
import {
  type JobDefinition as ProtoJobDefinition,
  JobDefinitionSchema,
  OutputPrivacy as ProtoOutputPrivacy,
  Stage as ProtoStage,
  TaskSchema,
  TaskOutcome,
  type TaskResult as ProtoTaskResult,
  TaskType as ProtoTaskType,
  type Task as ProtoTask,
  type TaskUpdate,
} from "../../gen/agent/v1/agent_pb.js";
import type { Task, TaskType } from "../jobs/job.js";
import type { JobDefinition, OutputPrivacy } from "../jobs/task-definition.js";
import type { Stage, TaskResult } from "../jobs/task-result.js";
import type { AgentReport } from "../store/task-store.js";

const TASK_TYPES: Record<TaskType, ProtoTaskType> = {
  runjob: ProtoTaskType.RUNJOB,
  canceljob: ProtoTaskType.CANCELJOB,
  dbstatus: ProtoTaskType.DBSTATUS,
  dbdatacheck: ProtoTaskType.DBDATACHECK,
};

const PRIVACIES: Record<OutputPrivacy, ProtoOutputPrivacy> = {
  highly_sensitive: ProtoOutputPrivacy.HIGHLY_SENSITIVE,
  moderately_sensitive: ProtoOutputPrivacy.MODERATELY_SENSITIVE,
  minimally_sensitive: ProtoOutputPrivacy.MINIMALLY_SENSITIVE,
};

const STAGES: ReadonlyMap<ProtoStage, Stage | null> = new Map([
  [ProtoStage.UNSPECIFIED, null],
  [ProtoStage.UNKNOWN, "unknown"],
  [ProtoStage.PREPARING, "preparing"],
  [ProtoStage.PREPARED, "prepared"],
  [ProtoStage.EXECUTING, "executing"],
  [ProtoStage.EXECUTED, "executed"],
  [ProtoStage.FINALIZING, "finalizing"],
  [ProtoStage.FINALIZED, "finalized"],
  [ProtoStage.ERROR, "error"],
]);

/** A report the controller cannot read; the agent stream answers it with InvalidArgument. */
export class MalformedReportError extends Error {
  override readonly name = "MalformedReportError";
}

function jobDefinition(definition: JobDefinition): ProtoJobDefinition {
  return create(JobDefinitionSchema, {
    ...definition,
    createdAt: BigInt(definition.createdAt),
    imageSha: definition.imageSha ?? undefined,
    args: [...definition.args],
    inputJobIds: [...definition.inputJobIds],
    outputSpec: Object.fromEntries(Object.entries(definition.outputSpec).map(([glob, privacy]) => [glob, PRIVACIES[privacy]])),
    level4MaxCsvRows: BigInt(definition.level4MaxCsvRows),
    level4MaxFilesize: BigInt(definition.level4MaxFilesize),
    databaseName: definition.databaseName ?? undefined,
    level4FileTypes: [...definition.level4FileTypes],
  });
}

export function taskToProto(task: Task): ProtoTask {
  const definition = task.definition;
  return create(TaskSchema, {
    id: task.id,
    backend: task.backend,
    type: TASK_TYPES[task.type],
    definition:
      definition.kind === "job"
        ? { case: "job", value: jobDefinition(definition) }
        : {
            case: "database",
            value: {
              databaseName: definition.databaseName,
              image: definition.image,
              hesExpectedActivityMonth: definition.hesExpectedActivityMonth,
              args: [...definition.args],
            },
          },
    attributes: { ...task.attributes },
    createdAt: BigInt(task.createdAt),
  });
}

export function resultFromProto(taskId: string, result: ProtoTaskResult): TaskResult {
  const metrics = result.jobMetrics;
  const fields = {
    exitCode: result.exitCode ?? null,
    statusMessage: result.statusMessage,
    hasUnmatchedPatterns: result.hasUnmatchedPatterns,
    hasLevel4ExcludedFiles: result.hasLevel4ExcludedFiles,
    jobMetrics: metrics
      ? {
          cpu_sample: metrics.cpuSample,
          cpu_cumsum: metrics.cpuCumsum,
          cpu_mean: metrics.cpuMean,
          cpu_peak: metrics.cpuPeak,
          mem_mb_sample: metrics.memMbSample,
          mem_mb_cumsum: metrics.memMbCumsum,
          mem_mb_mean: metrics.memMbMean,
          mem_mb_peak: metrics.memMbPeak,
          container_id: metrics.containerId,
        }
      : null,
    databaseStatus: result.databaseStatus,
  };
  switch (result.outcome) {
    case TaskOutcome.FINISHED:
      return { outcome: "finished", error: null, ...fields };
    case TaskOutcome.CANCELLED:
      return { outcome: "cancelled", error: null, ...fields };
    case TaskOutcome.FAILED: {
      if (!result.error) throw new MalformedReportError(`task ${taskId}: a failed result must say why (error is missing)`);
      const { type, message, permanent } = result.error;
      return { outcome: "failed", error: { type, message, permanent }, ...fields };
    }
    case TaskOutcome.UNSPECIFIED:
    default:
      throw new MalformedReportError(`task ${taskId}: result has no outcome`);
  }
}

export function reportFromProto(update: TaskUpdate): AgentReport {
  const stage = STAGES.get(update.stage);
  if (stage === undefined) throw new MalformedReportError(`task ${update.taskId}: unknown stage ${update.stage}`);
  // Sequence numbers count from 1 per holder; one past 2^53 could not be stored or compared exactly.
  if (update.seq < 1n || update.seq > BigInt(Number.MAX_SAFE_INTEGER))
    throw new MalformedReportError(`task ${update.taskId}: sequence number ${update.seq} is out of range`);
  if (update.complete && !update.result)
    throw new MalformedReportError(`task ${update.taskId}: a completing update has no result`);
  return {
    taskId: update.taskId,
    seq: Number(update.seq),
    stage,
    complete: update.complete,
    timestampNs: update.timestampNs ?? null,
    result: update.result ? resultFromProto(update.taskId, update.result) : null,
  };
}
