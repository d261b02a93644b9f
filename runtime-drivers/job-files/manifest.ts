/**
 * `metadata/manifest.json` in the medium-privacy workspace (reference §5.8 steps 4-5): one entry per
 * output file ever produced in the workspace, saying which job, action, user and commit made it,
 * its size, mtime, sha256, L4 outcome and CSV counts. Airlock and output checkers read it.
 *
 * Updates are read-modify-write of one file shared by every job of the workspace, so they are
 * serialised per manifest within this process (upstream runs one finalize at a time) and written
 * atomically.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { OutputPrivacy } from "../types.js";
import { isNotFound, writeFileAtomic } from "./atomic-file.js";
import { pythonJsonDumps } from "./python-format.js";
import { METADATA_DIR } from "./storage-paths.js";

export const MANIFEST_FILE = "manifest.json";

export interface ManifestEntry {
  readonly level: OutputPrivacy;
  readonly job_id: string;
  readonly job_request: string;
  readonly action: string;
  readonly user: string | null;
  readonly repo: string;
  readonly commit: string;
  readonly size: number;
  /** File mtime in seconds, as a float. */
  readonly timestamp: number;
  readonly content_hash: string;
  readonly excluded: boolean;
  readonly message: string | null;
  readonly row_count: number | null;
  readonly col_count: number | null;
}

/** A manifest as stored; entries written by other versions may carry more (or fewer) keys. */
export interface Manifest {
  workspace?: unknown;
  repo?: unknown;
  outputs: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

export interface EntryFacts {
  readonly level: OutputPrivacy;
  readonly jobId: string;
  readonly rapId: string;
  readonly action: string;
  readonly user: string | null;
  readonly repo: string;
  readonly commit: string;
  readonly excluded: boolean;
  readonly message: string | null;
  readonly rows: number | null;
  readonly cols: number | null;
}

/** Hex sha256 of a file's content, streamed. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Builds the manifest entry for a persisted output (read from its high-privacy copy). */
export async function manifestEntry(file: string, facts: EntryFacts): Promise<ManifestEntry> {
  const info = await stat(file, { bigint: true });
  return {
    level: facts.level,
    job_id: facts.jobId,
    job_request: facts.rapId,
    action: facts.action,
    user: facts.user,
    repo: facts.repo,
    commit: facts.commit,
    size: Number(info.size),
    // Python's st_mtime: whole seconds plus nanoseconds * 1e-9, as a double.
    timestamp: Number(info.mtimeNs / 1_000_000_000n) + Number(info.mtimeNs % 1_000_000_000n) * 1e-9,
    content_hash: await sha256File(file),
    excluded: facts.excluded,
    message: facts.message,
    row_count: facts.rows,
    col_count: facts.cols,
  };
}

export function manifestPath(mediumWorkspace: string): string {
  return path.join(mediumWorkspace, METADATA_DIR, MANIFEST_FILE);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads the workspace manifest, or a fresh one when there is none. */
export async function readManifest(mediumWorkspace: string, workspace: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(manifestPath(mediumWorkspace), "utf8");
  } catch (error) {
    if (isNotFound(error)) return { workspace, repo: null, outputs: {} };
    throw error;
  }
  const parsed: unknown = JSON.parse(text);
  if (!isRecord(parsed)) throw new Error(`${manifestPath(mediumWorkspace)} is not a JSON object`);
  const outputs: Record<string, Record<string, unknown>> = {};
  if (isRecord(parsed.outputs)) {
    for (const [name, entry] of Object.entries(parsed.outputs)) if (isRecord(entry)) outputs[name] = entry;
  }
  return { ...parsed, outputs };
}

export async function writeManifest(mediumWorkspace: string, manifest: Manifest): Promise<void> {
  await writeFileAtomic(manifestPath(mediumWorkspace), pythonJsonDumps(manifest));
}

/**
 * Applies one job's outputs to a manifest, in place:
 * - when `projectActions` is a non-empty set, every earlier entry gets `out_of_date_action`: true if
 *   its action left project.yaml, false otherwise (an action can come back);
 * - earlier entries of this action that this run did not produce get `out_of_date_output: true`
 *   (kept, only flagged: the files are still on disk);
 * - this run's entries replace any earlier entry of the same path, without flags.
 */
export function applyJobToManifest(
  manifest: Manifest,
  action: string,
  newOutputs: Readonly<Record<string, ManifestEntry>>,
  projectActions: ReadonlySet<string> | undefined,
): void {
  const { outputs } = manifest;
  if (Object.keys(outputs).length > 0 && projectActions && projectActions.size > 0) {
    for (const entry of Object.values(outputs)) {
      entry.out_of_date_action = !(typeof entry.action === "string" && projectActions.has(entry.action));
    }
  }
  for (const [name, entry] of Object.entries(outputs)) {
    if (entry.action === action && !Object.hasOwn(newOutputs, name)) entry.out_of_date_output = true;
  }
  for (const [name, entry] of Object.entries(newOutputs)) outputs[name] = { ...entry };
}

const manifestQueues = new Map<string, Promise<void>>();

/** Runs `task` after every earlier task queued for the same manifest has finished. */
function serialised(key: string, task: () => Promise<void>): Promise<void> {
  const previous = manifestQueues.get(key) ?? Promise.resolve();
  const run = previous.then(task, task);
  const tail = run.catch(() => undefined);
  manifestQueues.set(key, tail);
  void tail.then(() => {
    if (manifestQueues.get(key) === tail) manifestQueues.delete(key);
  });
  return run;
}

/**
 * Reads, updates and rewrites the workspace manifest for one finished job. The project's action
 * names are only asked for when the manifest already has entries; a failing or empty answer skips
 * the out_of_date_action step, as upstream does on git errors.
 */
export function updateManifest(
  mediumWorkspace: string,
  workspace: string,
  action: string,
  newOutputs: Readonly<Record<string, ManifestEntry>>,
  readStudyProjectActions?: () => Promise<Set<string> | undefined>,
): Promise<void> {
  return serialised(path.resolve(manifestPath(mediumWorkspace)), async () => {
    const manifest = await readManifest(mediumWorkspace, workspace);
    let actions: Set<string> | undefined;
    if (Object.keys(manifest.outputs).length > 0 && readStudyProjectActions) {
      actions = await readStudyProjectActions().catch(() => undefined);
    }
    applyJobToManifest(manifest, action, newOutputs, actions);
    await writeManifest(mediumWorkspace, manifest);
  });
}
