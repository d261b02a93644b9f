/** Turns executor statuses into outbox updates for one task. */
import { redactResultsForController, type JobStatus } from "../runtime-drivers/index.js";
import { asJsonObject } from "./convert.js";
import type { Outbox } from "./outbox.js";

export class TaskReporter {
  constructor(
    private readonly outbox: Outbox,
    readonly taskId: string,
  ) {}

  /** A stage change that is not the end of the task. */
  stage(stage: string, timestampNs?: bigint): void {
    this.outbox.append({ taskId: this.taskId, stage, complete: false, timestampNs, results: {} });
  }

  status(status: JobStatus, complete = false): void {
    const done = status.state === "finalized" || status.state === "error";
    const results = done ? asJsonObject(redactResultsForController(status.results)) : {};
    this.outbox.append({ taskId: this.taskId, stage: status.state, complete, timestampNs: status.timestampNs, results });
  }
}
