/**
 * Atomic file writes: every file finalize produces is written to `<dest>.<16 hex>.tmp` next to
 * its destination and renamed into place, so a reader (or a crash) never sees half a file. The
 * rename also replaces a symlink at the destination instead of writing through it.
 */
import { randomBytes } from "node:crypto";
import { copyFile, mkdir, rename, rm, stat, unlink, writeFile } from "node:fs/promises";
import { createWriteStream } from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

function tmpNameFor(dest: string): string {
  return `${dest}.${randomBytes(8).toString("hex")}.tmp`;
}

async function replaceWith(dest: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  await mkdir(path.dirname(dest), { recursive: true });
  const tmp = tmpNameFor(dest);
  try {
    await fill(tmp);
    await rename(tmp, dest);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/** Writes `content` to `dest` atomically, creating parent folders. */
export async function writeFileAtomic(dest: string, content: string | Uint8Array): Promise<void> {
  await replaceWith(dest, (tmp) => writeFile(tmp, content));
}

/**
 * Writes the chunks to `dest` atomically as they come, so content of any size never has to be
 * held in memory at once.
 */
export async function writeStreamAtomic(dest: string, chunks: AsyncIterable<string | Uint8Array>): Promise<void> {
  await replaceWith(dest, (tmp) => pipeline(Readable.from(chunks), createWriteStream(tmp)));
}

/** Copies `source` (a regular file) to `dest` atomically and returns the copied size in bytes. */
export async function copyFileAtomic(source: string, dest: string): Promise<number> {
  await replaceWith(dest, (tmp) => copyFile(source, tmp));
  return (await stat(dest)).size;
}

/** Deletes a file, ignoring one that is already gone. */
export async function removeFileIfPresent(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

export function isNotFound(error: unknown): boolean {
  return error instanceof Error && "code" in error && (error.code === "ENOENT" || error.code === "ENOTDIR");
}
