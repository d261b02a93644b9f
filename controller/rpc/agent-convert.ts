/** Task rows to agent.v1 messages and agent reports back: the controller's only bridge to agent.v1. */
import { create } from "@bufbuild/protobuf";
import {
  JobDefinitionSchema,
  TaskSchema,
  TaskType as ProtoTaskType,
  type Task as ProtoTask,
  type TaskUpdate,
} from "../../gen/agent/v1/agent_pb.js";
import type { Task, TaskType } from "../jobs/job.js";
import type { AgentReport } from "../store/task-store.js";

const TASK_TYPES: Record<TaskType, ProtoTaskType> = {
  runjob: ProtoTaskType.RUNJOB,
  canceljob: ProtoTaskType.CANCELJOB,
  dbstatus: ProtoTaskType.DBSTATUS,
  dbdatacheck: ProtoTaskType.DBDATACHECK,
};

function text(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === null || value === undefined) return "";
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  return JSON.stringify(value) ?? "";
}
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(text) : []);
const stringMap = (value: unknown): Record<string, string> =>
  value !== null && typeof value === "object"
    ? Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([key, v]) => [key, text(v)]))
    : {};
const integer = (value: unknown): bigint =>
  typeof value === "number" && Number.isFinite(value) ? BigInt(Math.trunc(value)) : 0n;

function jobDefinition(definition: Readonly<Record<string, unknown>>) {
  const study = (definition.study ?? {}) as Record<string, unknown>;
  return create(JobDefinitionSchema, {
    id: text(definition.id),
    rapId: text(definition.rap_id),
    taskId: text(definition.task_id),
    repoUrl: text(definition.repo_url),
    commit: text(definition.commit),
    study: { gitRepoUrl: text(study.git_repo_url), commit: text(study.commit), branch: text(study.branch) },
    workspace: text(definition.workspace),
    action: text(definition.action),
    createdAt: integer(definition.created_at),
    image: text(definition.image),
    imageSha: typeof definition.image_sha === "string" ? definition.image_sha : undefined,
    args: strings(definition.args),
    env: stringMap(definition.env),
    inputJobIds: strings(definition.input_job_ids),
    outputSpec: stringMap(definition.output_spec),
    allowDatabaseAccess: definition.allow_database_access === true,
    level4MaxCsvRows: integer(definition.level4_max_csv_rows),
    level4MaxFilesize: integer(definition.level4_max_filesize),
    user: text(definition.user),
    databaseName: typeof definition.database_name === "string" ? definition.database_name : undefined,
    cpuCount: text(definition.cpu_count),
    memoryLimit: text(definition.memory_limit),
    level4FileTypes: strings(definition.level4_file_types),
    traceContext: stringMap(definition.trace_context),
  });
}

export function taskToProto(task: Task): ProtoTask {
  const isJobTask = task.type === "runjob" || task.type === "canceljob";
  const definition = task.definition;
  return create(TaskSchema, {
    id: task.id,
    backend: task.backend,
    type: TASK_TYPES[task.type],
    definition: isJobTask
      ? { case: "job", value: jobDefinition(definition) }
      : {
          case: "database",
          value: {
            databaseName: text(definition.database_name),
            image: text(definition.image),
            imageSha: typeof definition.image_sha === "string" ? definition.image_sha : undefined,
            hesExpectedActivityMonth: text(definition.hes_expected_activity_month),
            args: strings(definition.args),
          },
        },
    attributes: { ...task.attributes },
    createdAt: BigInt(task.createdAt),
  });
}

export function reportFromProto(update: TaskUpdate): AgentReport {
  return {
    taskId: update.taskId,
    seq: Number(update.seq),
    stage: update.stage,
    complete: update.complete,
    timestampNs: update.timestampNs ?? null,
    results: update.results ?? {},
  };
}
