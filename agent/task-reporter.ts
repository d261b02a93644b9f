/** Turns executor statuses into outbox updates for one task. */
import type { Stage } from "../gen/agent/v1/agent_pb.js";
import type { JobStatus } from "../runtime-drivers/index.js";
import { jobTaskResult, STAGES } from "./convert.js";
import type { Outbox } from "./outbox.js";

export class TaskReporter {
  constructor(
    private readonly outbox: Outbox,
    readonly taskId: string,
  ) {}

  /** A stage change that is not the end of the task. */
  stage(stage: Stage, timestampNs?: bigint): void {
    this.outbox.append({ taskId: this.taskId, stage, complete: false, timestampNs });
  }

  status(status: JobStatus, complete = false): void {
    const done = status.state === "finalized" || status.state === "error";
    this.outbox.append({
      taskId: this.taskId,
      stage: STAGES[status.state],
      complete,
      timestampNs: status.timestampNs,
      result: done ? jobTaskResult(status) : undefined,
    });
  }
}
