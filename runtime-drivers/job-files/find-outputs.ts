/**
 * Output matching (reference §5.7 finalize step 4): which files in the job's volume are outputs,
 * at which privacy level, which patterns matched nothing, and which new files matched no pattern
 * (listed in the "Did you mean" hint so users can spot a wrong pattern).
 */
import { stat } from "node:fs/promises";
import path from "node:path";
import type { OutputPrivacy } from "../types.js";
import { isNotFound } from "./atomic-file.js";
import { TIMESTAMP_REFERENCE_FILE } from "./storage-paths.js";
import { filesNewerThan, globVolume } from "./volume-glob.js";

export interface OutputMatch {
  /** Relative path in the volume → privacy; a file matched by several patterns keeps the last one's. */
  readonly outputs: Record<string, OutputPrivacy>;
  /** Patterns (in spec order) that matched no file. */
  readonly unmatchedPatterns: string[];
}

/** Matches every pattern of the output spec against the volume. */
export async function findOutputs(volumeDir: string, outputSpec: Readonly<Record<string, OutputPrivacy>>): Promise<OutputMatch> {
  const outputs: Record<string, OutputPrivacy> = {};
  const unmatchedPatterns: string[] = [];
  for (const [pattern, privacy] of Object.entries(outputSpec)) {
    const files = await globVolume(volumeDir, pattern);
    if (files.length === 0) unmatchedPatterns.push(pattern);
    for (const file of files) outputs[file] = privacy;
  }
  return { outputs, unmatchedPatterns };
}

/**
 * Files the job wrote (modified after `.opensafely-timestamp`) that are not outputs. Upstream
 * crashes when the timestamp file is missing; we return no files instead, since the list only
 * feeds a hint.
 */
export async function findUnmatchedOutputs(
  volumeDir: string,
  outputs: Readonly<Record<string, OutputPrivacy>>,
): Promise<string[]> {
  let referenceNs: bigint;
  try {
    referenceNs = (await stat(path.join(volumeDir, TIMESTAMP_REFERENCE_FILE), { bigint: true })).mtimeNs;
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
  const newer = await filesNewerThan(volumeDir, referenceNs);
  return newer.filter((file) => !Object.hasOwn(outputs, file));
}
