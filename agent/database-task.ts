/**
 * The agent's handler for DBSTATUS / DBDATACHECK tasks: run the check once through the runtime
 * driver and report the result in one complete update without a stage (as upstream's agent does).
 * Running a check twice is harmless, so a re-delivered task simply runs again.
 */
import { type DatabaseTaskDefinition, Stage, type Task, TaskType } from "../gen/agent/v1/agent_pb.js";
import type { DatabaseTaskKind, DatabaseTaskResults } from "../runtime-drivers/index.js";
import { databaseTaskResult } from "./convert.js";
import type { Logger } from "./logger.js";
import type { Outbox } from "./outbox.js";

/** What the driver needs to run one database task (the agent's config supplies the rest). */
export interface DatabaseTaskRequest {
  readonly kind: DatabaseTaskKind;
  readonly databaseName: string;
  readonly image: string;
  readonly args: readonly string[];
  readonly hesExpectedActivityMonth: string;
}

export type DatabaseTaskRunner = (request: DatabaseTaskRequest, signal: AbortSignal) => Promise<DatabaseTaskResults>;

const KINDS: ReadonlyMap<TaskType, DatabaseTaskKind> = new Map([
  [TaskType.DBSTATUS, "dbstatus"],
  [TaskType.DBDATACHECK, "dbdatacheck"],
]);

export async function handleDatabaseTask(
  task: Task,
  definition: DatabaseTaskDefinition,
  run: DatabaseTaskRunner,
  outbox: Outbox,
  log: Logger,
  signal: AbortSignal,
): Promise<void> {
  const kind = KINDS.get(task.type);
  const results: DatabaseTaskResults = kind
    ? await run(
        {
          kind,
          databaseName: definition.databaseName || "default",
          image: definition.image,
          args: definition.args,
          hesExpectedActivityMonth: definition.hesExpectedActivityMonth,
        },
        signal,
      )
    : { results: null, error: { type: "ValueError", message: `task type ${TaskType[task.type]} is not a database task` } };
  if (signal.aborted) return;
  if (results.error) log.warn("database task failed", { error_type: results.error.type, message: results.error.message });
  else log.info("database task done", { status: results.results.status });
  outbox.append({ taskId: task.id, stage: Stage.UNSPECIFIED, complete: true, result: databaseTaskResult(results) });
}
