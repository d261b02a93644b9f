/**
 * The job log (reference §5.9): the container's timestamped output followed by a JOB SUMMARY
 * trailer with the key facts, the outputs and any Level 4 exclusions. The full file lives in the
 * job's log folder; normal finalizes also copy it to `metadata/<action>.log` in the high- and
 * medium-privacy workspaces so users can read it next to the outputs.
 */
import { createReadStream } from "node:fs";
import path from "node:path";
import type { JobDefinition, StorageLayout } from "../types.js";
import { copyFileAtomic, writeFileAtomic, writeStreamAtomic } from "./atomic-file.js";
import { compareCodePoints, pythonStr, pythonTruthy, tabulate } from "./python-format.js";
import { highWorkspaceDir, jobLogDir, mediumWorkspaceDir, workspaceLogFile } from "./storage-paths.js";

export const JOB_LOG_MARKER = "=============JOB SUMMARY=============";
export const LOG_FILE = "logs.txt";

/** Metadata keys printed in the summary, in order; keys with falsy values are left out. */
export const SUMMARY_KEYS = [
  "job_definition_id",
  "job_definition_rap_id",
  "commit",
  "docker_image_id",
  "exit_code",
  "created_at",
  "completed_at",
  "database_name",
  "status_message",
  "hint",
] as const;

function stringRecord(value: unknown): Array<[string, string]> {
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).map(([key, entry]) => [key, pythonStr(entry)]);
}

/**
 * The trailer appended after the container logs. `excluded` is `{file: job message}`, or undefined
 * for cancelled and errored jobs, whose outputs were never checked.
 */
export function jobSummary(
  metadata: Readonly<Record<string, unknown>>,
  excluded: Readonly<Record<string, string>> | undefined,
): string {
  const lines = [`\n${JOB_LOG_MARKER}\n`];
  for (const key of SUMMARY_KEYS) {
    const value = metadata[key];
    if (pythonTruthy(value)) lines.push(`${key}: ${pythonStr(value)}\n`);
  }
  const outputs = stringRecord(metadata.outputs).sort(([a], [b]) => compareCodePoints(a, b));
  lines.push("\noutputs:\n", tabulate(outputs, "  - ", 2, "(no outputs)"));
  if (excluded && Object.keys(excluded).length > 0) {
    lines.push("\n", "\nInvalid moderately_sensitive outputs:\n", tabulate(Object.entries(excluded), "  - ", 2));
  }
  lines.push("\n");
  return lines.join("");
}

export interface WriteJobLogInput {
  readonly layout: StorageLayout;
  readonly job: JobDefinition;
  /**
   * Container logs as fetched by the driver: the text, or a file the driver wrote them to (read as
   * a stream, so a job that printed gigabytes costs no memory), with CRLF line ends made LF when
   * the container had a terminal.
   */
  readonly logs: string | ContainerLogFile;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly excluded: Readonly<Record<string, string>> | undefined;
  /** Also copy the log into both workspaces' `metadata/` folders (normal finalizes only). */
  readonly copyToWorkspaces: boolean;
}

export interface ContainerLogFile {
  readonly file: string;
  readonly crlfToLf: boolean;
}

/** Writes `logs.txt` in the job log folder (and its workspace copies). */
export async function writeJobLog(input: WriteJobLogInput): Promise<void> {
  const { layout, job } = input;
  const summary = jobSummary(input.metadata, input.excluded);
  const logFile = path.join(jobLogDir(layout, job), LOG_FILE);
  if (typeof input.logs === "string") await writeFileAtomic(logFile, input.logs + summary);
  else await writeStreamAtomic(logFile, logThenSummary(input.logs, summary));
  if (input.copyToWorkspaces) {
    await copyFileAtomic(logFile, workspaceLogFile(highWorkspaceDir(layout, job.workspace), job.action));
    await copyFileAtomic(logFile, workspaceLogFile(mediumWorkspaceDir(layout, job.workspace), job.action));
  }
}

async function* logThenSummary(logs: ContainerLogFile, summary: string): AsyncGenerator<string | Buffer> {
  const chunks = createReadStream(logs.file) as AsyncIterable<Buffer>;
  if (logs.crlfToLf) yield* crlfToLf(chunks);
  else yield* chunks;
  yield summary;
}

/** "\r\n" to "\n" across chunk boundaries (a chunk may end between the two bytes). */
async function* crlfToLf(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let heldCr = false;
  for await (const chunk of chunks) {
    let text: Buffer = heldCr ? Buffer.concat([Buffer.from("\r"), chunk]) : chunk;
    heldCr = text.at(-1) === 0x0d;
    if (heldCr) text = text.subarray(0, -1);
    yield Buffer.from(text.toString("latin1").replace(/\r\n/g, "\n"), "latin1");
  }
  if (heldCr) yield Buffer.from("\r");
}
