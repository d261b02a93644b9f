/**
 * `rap job ID`: one job as an operator needs it to act on it: where it stands and why (the wait
 * reason), its exit code, its status history with times, each task attempt with its true state,
 * and where its log and outputs are on the backend. Pure text from the controller's answer (and the
 * wait reason, looked up separately), fitted to a width.
 */
import type { AdminTask, GetJobResponse } from "../../gen/admin/v1/admin_pb.js";
import { containerName, logMonth } from "../../runtime-drivers/job-files/storage-paths.js";
import { age, pythonIso, secondsIso, table, timestampSeconds, truncate } from "./format.js";

const LABEL = 16;

function when(seconds: bigint, now: Date): string {
  return seconds === 0n ? "" : `${secondsIso(seconds)} (${age(seconds, now)} ago)`;
}

/** A task's state in words, from what the agent reported rather than the raw flags. */
export function taskState(task: AdminTask): string {
  if (task.active) return task.agentStage === "" ? "waiting for the agent" : `running: ${task.agentStage}`;
  if (task.type === "canceljob") return task.agentComplete ? "done: container stopped" : "dropped before the agent finished";
  switch (task.outcome) {
    case "finished":
      return task.exitCode === undefined ? "finished" : `finished, exit code ${task.exitCode}`;
    case "failed":
      return `failed: ${task.errorType}${task.errorMessage ? `: ${task.errorMessage}` : ""}`;
    case "cancelled":
      return task.agentStage === "" ? "cancelled before it started" : `cancelled at ${task.agentStage}`;
    default:
      return task.agentStage === ""
        ? "ended by the controller before it started"
        : `ended by the controller at ${task.agentStage}`;
  }
}

/** The job's exit code: the last attempt's that ran a container. */
export function exitCode(tasks: readonly AdminTask[]): number | undefined {
  return tasks.filter((task) => task.type === "runjob" && task.exitCode !== undefined).at(-1)?.exitCode;
}

/** Words joined into lines of at most `width` characters (a longer word gets a line of its own). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  return [...lines, line];
}

/** `name:` and its value, long values wrapped under the value column. */
function fieldLines(fields: readonly (readonly [string, string])[], width: number): string {
  return fields
    .filter(([, value]) => value !== "")
    .map(([name, value]) =>
      wrap(value, width - LABEL)
        .map((line, index) => `${(index === 0 ? `${name}:` : "").padEnd(LABEL)}${line}\n`)
        .join(""),
    )
    .join("");
}

/** Where the job's log and outputs are on the backend, under the agent's storage roots. */
export function backendLocations(response: GetJobResponse): string[] {
  const job = response.job;
  if (!job) return [];
  const high = "$HIGH_PRIVACY_STORAGE_BASE";
  const medium = "$MEDIUM_PRIVACY_STORAGE_BASE";
  const lines = [
    `log       ${high}/logs/${logMonth(Number(job.createdAt))}/${containerName(job.id)}/logs.txt`,
    `          ${high}/workspaces/${job.workspace}/metadata/${job.action}.log`,
  ];
  for (const output of job.outputs) {
    const root = output.privacyLevel === "moderately_sensitive" ? medium : high;
    lines.push(
      `${output.privacyLevel === "moderately_sensitive" ? "moderate" : "high"}`.padEnd(10) +
        `${root}/workspaces/${job.workspace}/${output.pattern}`,
    );
  }
  return lines;
}

export function jobDetails(response: GetJobResponse, waitReason: readonly string[], now: Date, width: number): string {
  const job = response.job;
  if (!job) return "no such job\n";
  const code = exitCode(response.tasks);
  let text = fieldLines(
    [
      ["id", job.id],
      ["rap id", job.rapId],
      ["backend", job.backend],
      ["workspace", job.workspace],
      ["action", job.action],
      ["status", `${job.state} / ${job.statusCode}`],
      ["message", job.statusMessage],
      ["exit code", code === undefined ? "" : String(code)],
      ["run", job.runCommand],
      ["repo", job.repoUrl],
      ["commit", `${job.commit}${job.branch ? ` (${job.branch})` : ""}`],
      ["database", job.requiresDb ? job.databaseName || "default" : ""],
      ["cancelled", job.cancelled ? "yes (by request)" : ""],
      ["created", when(job.createdAt, now)],
      ["started", when(job.startedAt, now)],
      ["completed", when(job.completedAt, now)],
    ],
    width,
  );
  if (waitReason.length > 0) text += `\nwaiting because:\n${waitReason.map((line) => `  ${line}\n`).join("")}`;
  if (response.history.length > 0) {
    const rows = response.history.map((change) => {
      const seconds = timestampSeconds(change.at);
      return [
        pythonIso(change.at!).replace(/\.\d+Z$/, "Z"),
        age(Math.floor(seconds), now),
        change.statusCode,
        change.statusMessage,
      ];
    });
    const fixed =
      Math.max(...rows.map((row) => (row[0] ?? "").length)) + Math.max(3, ...rows.map((row) => (row[1] ?? "").length));
    const codeWidth = Math.max(6, ...rows.map((row) => (row[2] ?? "").length));
    const messageWidth = Math.max(10, width - fixed - codeWidth - 6 - 2);
    text += `\nhistory:\n${table(
      ["TIME", "AGE", "STATUS", "MESSAGE"],
      rows.map((row) => [row[0] ?? "", row[1] ?? "", row[2] ?? "", truncate(row[3] ?? "", messageWidth)]),
    )
      .split("\n")
      .map((line) => (line === "" ? "" : `  ${line}`))
      .join("\n")}`;
  }
  if (response.tasks.length > 0) {
    const rows = response.tasks.map((task) => [
      task.id,
      secondsIso(task.createdAt),
      secondsIso(task.finishedAt),
      taskState(task),
    ]);
    const fixed = Math.max(4, ...rows.map((row) => (row[0] ?? "").length)) + 20 + 20 + 6 + 2;
    text += `\nattempts:\n${table(
      ["TASK", "CREATED", "FINISHED", "STATE"],
      rows.map((row) => [row[0] ?? "", row[1] ?? "", row[2] ?? "", truncate(row[3] ?? "", Math.max(10, width - fixed))]),
    )
      .split("\n")
      .map((line) => (line === "" ? "" : `  ${line}`))
      .join("\n")}`;
  }
  text += `\non the backend:\n${backendLocations(response)
    .map((line) => `  ${line}\n`)
    .join("")}`;
  return text;
}
