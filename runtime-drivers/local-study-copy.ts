/**
 * Fills a job's working directory from a study directory on disk instead of a git commit (the local
 * run of a study, `rap run`). As upstream's local run does, files matching any output pattern of the
 * project are left out, and so are `.git` and `metadata/`: an action then sees only the outputs of
 * the actions it names in `needs`, copied in afterwards as inputs, exactly as on a backend.
 */
import { cp } from "node:fs/promises";
import path from "node:path";
import { globVolume, METADATA_DIR } from "./job-files/index.js";

/** Top-level entries of a study directory that never go into a job's working directory. */
const NEVER_COPIED: ReadonlySet<string> = new Set([".git", METADATA_DIR]);

export async function copyStudyDirectory(
  studyDir: string,
  targetDir: string,
  outputPatterns: readonly string[],
  signal: AbortSignal,
): Promise<void> {
  const root = path.resolve(studyDir);
  const ignored = new Set<string>();
  for (const pattern of outputPatterns) {
    for (const file of await globVolume(root, pattern)) ignored.add(path.join(root, file));
  }
  signal.throwIfAborted();
  await cp(root, targetDir, {
    recursive: true,
    // Symlinks are copied as links; output matching never follows one out of the working directory.
    verbatimSymlinks: true,
    filter: (source) => {
      const relative = path.relative(root, source);
      if (relative === "") return true;
      const top = relative.split(path.sep)[0] ?? "";
      return !NEVER_COPIED.has(top) && !ignored.has(source);
    },
  });
}
