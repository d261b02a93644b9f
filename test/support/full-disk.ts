/**
 * A directory on its own size-limited tmpfs (we run as root), and a filler file that takes every
 * free byte of it, so the controller's SQLite files under it hit ENOSPC on their next growth.
 */
import { execFileSync } from "node:child_process";
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import path from "node:path";

/** Mounts a tmpfs of `size` (as `mount -o size=`, e.g. "32m") on `dir`; returns its unmount. */
export function mountTmpfs(dir: string, size: string): () => void {
  mkdirSync(dir, { recursive: true });
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir]);
  let mounted = true;
  return () => {
    if (!mounted) return;
    execFileSync("umount", [dir]);
    mounted = false;
  };
}

/** Writes `<dir>/filler` until the filesystem has no byte left; returns its removal (frees it all). */
export function fillDisk(dir: string): () => void {
  const filler = path.join(dir, "filler");
  const fd = openSync(filler, "w");
  try {
    for (const size of [1 << 20, 1 << 12, 1]) {
      const chunk = Buffer.alloc(size);
      for (;;) {
        try {
          writeSync(fd, chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === "ENOSPC") break;
          throw error;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return () => rmSync(filler, { force: true });
}
