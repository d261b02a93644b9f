/**
 * `rap job ID`: one job as an operator needs it to act: what it runs, where it stands and why, and
 * each task attempt with its true state.
 */
import type { AdminTask, GetJobResponse } from "../../gen/admin/v1/admin_pb.js";
import { age, secondsIso, table } from "./format.js";

function when(seconds: bigint, now: Date): string {
  return seconds === 0n ? "" : `${secondsIso(seconds)} (${age(seconds, now)} ago)`;
}

/** A task's state in words: an active task is still wanted; an inactive one finished or was dropped. */
export function taskState(task: AdminTask): string {
  if (task.active) return task.agentStage === "" ? "waiting for agent" : `running (${task.agentStage})`;
  if (task.agentComplete) return "completed";
  return task.agentStage === "" ? "cancelled before it started" : `cancelled at ${task.agentStage}`;
}

export function jobDetails(response: GetJobResponse, now: Date): string {
  const job = response.job;
  if (!job) return "no such job\n";
  const fields: [string, string][] = [
    ["id", job.id],
    ["rap id", job.rapId],
    ["backend", job.backend],
    ["workspace", job.workspace],
    ["action", job.action],
    ["state", job.state],
    ["status", job.statusCode],
    ["message", job.statusMessage],
    ["run", job.runCommand],
    ["repo", job.repoUrl],
    ["commit", job.commit],
    ["needs database", job.requiresDb ? "yes" : "no"],
    ["cancelled", job.cancelled ? "yes" : "no"],
    ["created", when(job.createdAt, now)],
    ["started", when(job.startedAt, now)],
    ["completed", when(job.completedAt, now)],
  ];
  if (job.waitForJobIds.length > 0) fields.push(["waits for", job.waitForJobIds.join(", ")]);
  let text = fields.map(([name, value]) => `${`${name}:`.padEnd(16)}${value}`.trimEnd() + "\n").join("");
  if (response.tasks.length > 0) {
    text += `\ntasks:\n${table(
      ["TASK", "TYPE", "STATE", "CREATED", "FINISHED"],
      response.tasks.map((task) => [
        task.id,
        task.type,
        taskState(task),
        secondsIso(task.createdAt),
        secondsIso(task.finishedAt),
      ]),
    )}`;
  }
  return text;
}
