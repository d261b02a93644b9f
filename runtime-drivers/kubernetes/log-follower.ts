/**
 * Reads a job's log file on the shared job volume by offset, and with `follow` keeps reading until
 * the job has ended. The file, not the pod log, is the source: it survives kubelet log rotation and
 * API stream disconnects, and reading it by offset yields every byte exactly once.
 */
import { open } from "node:fs/promises";

const CHUNK_BYTES = 64 * 1024;

export interface FollowOptions {
  readonly follow: boolean;
  /** Whether the job has ended (nothing more will be written). Checked before each read. */
  readonly ended: () => Promise<boolean>;
  /** Resolves when it is worth reading again (a change of the job's pod, or a short while). */
  readonly waitForChange: (signal: AbortSignal) => Promise<void>;
}

/** The bytes of `file` from `offset` to its current end; none when it does not exist (yet). */
async function* readFrom(file: string, start: number, advance: (bytes: number) => void): AsyncGenerator<Uint8Array> {
  const handle = await open(file, "r").catch(() => undefined);
  if (!handle) return;
  try {
    let offset = start;
    for (;;) {
      const buffer = Buffer.alloc(CHUNK_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, offset);
      if (bytesRead === 0) return;
      offset += bytesRead;
      advance(bytesRead);
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

export async function* followLogFile(file: string, options: FollowOptions, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  let offset = 0;
  const advance = (bytes: number) => {
    offset += bytes;
  };
  for (;;) {
    // Ended is decided before the read, so the last read sees everything the job wrote.
    const ended = !options.follow || (await options.ended());
    yield* readFrom(file, offset, advance);
    if (ended || signal.aborted) return;
    await options.waitForChange(signal);
    if (signal.aborted) return;
  }
}
