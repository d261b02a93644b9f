/**
 * A job's output for `rap logs`: from its container while one exists (running, or stopped and not
 * yet removed), following it live on request; otherwise from the finished job's log file on disk.
 * Works the same for a job this agent adopted after a restart, since both come from the runtime
 * and the disk, not from memory.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Executor, StorageLayout } from "../../runtime-drivers/index.js";
import { findJobMetadataFile, LOG_FILE } from "../../runtime-drivers/job-files/index.js";

export interface LogChunk {
  readonly data: Uint8Array;
  readonly source: "container" | "log_file";
}

export class UnknownJobError extends Error {
  override readonly name = "UnknownJobError";
}

export async function* jobLogs(
  executor: Executor,
  layout: StorageLayout,
  jobId: string,
  follow: boolean,
  signal: AbortSignal,
): AsyncGenerator<LogChunk> {
  let any = false;
  if (executor.streamLogs) {
    for await (const data of executor.streamLogs(jobId, { follow }, signal)) {
      any = true;
      yield { data, source: "container" };
    }
    // A container existed (or still exists): its log is the job's output. An empty one is fine.
    if (any || (await executor.isRunning?.(jobId, signal))) return;
  }
  const metadataFile = await findJobMetadataFile(layout, jobId);
  if (!metadataFile) {
    if (any) return;
    throw new UnknownJobError(`no job ${jobId} on this backend (no container and no log)`);
  }
  const text = await readFile(path.join(path.dirname(metadataFile), LOG_FILE)).catch(() => undefined);
  if (text === undefined) throw new UnknownJobError(`job ${jobId} finished without a log (it never started a container)`);
  yield { data: text, source: "log_file" };
}
