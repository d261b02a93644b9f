/**
 * Where finalize puts things, following upstream's storage layout (reference §5.4). Kept in one
 * place so the log directory's month rule and the workspace folders cannot drift between writers
 * and readers.
 */
import path from "node:path";
import type { JobDefinition, StorageLayout } from "../types.js";

/** Folder inside each workspace holding the job logs and manifest.json. */
export const METADATA_DIR = "metadata";
/** Written into the volume at prepare time; files newer than it were produced by the job. */
export const TIMESTAMP_REFERENCE_FILE = ".opensafely-timestamp";

/** A name that cannot be used in a path: no retry can make it safe. */
export class UnsafeNameError extends Error {
  override readonly name = "UnsafeNameError";
}

/**
 * Rejects a workspace or action name that could turn into a path outside its parent folder.
 * The controller refuses such names at request time; this is the defence in depth, because these
 * names build paths.
 */
export function assertSafeName(kind: string, name: string): void {
  if (name === "" || name === "." || name === ".." || name.includes("/") || name.includes("\\") || name.includes("\0")) {
    throw new UnsafeNameError(`Unsafe ${kind} name: ${JSON.stringify(name)}`);
  }
}

export function containerName(jobId: string): string {
  return `os-job-${jobId}`;
}

export function highWorkspaceDir(layout: StorageLayout, workspace: string): string {
  assertSafeName("workspace", workspace);
  return path.join(layout.highWorkspacesDir ?? path.join(layout.highPrivacyDir, "workspaces"), workspace);
}

export function mediumWorkspaceDir(layout: StorageLayout, workspace: string): string {
  assertSafeName("workspace", workspace);
  return path.join(layout.mediumWorkspacesDir ?? path.join(layout.mediumPrivacyDir, "workspaces"), workspace);
}

/** Root of all job log folders: `<high>/logs`. */
export function jobLogRoot(layout: StorageLayout): string {
  return path.join(layout.highPrivacyDir, "logs");
}

/** `YYYY-MM` of the job's creation time in UTC: the month bucket of its log folder. */
export function logMonth(createdAtSeconds: number): string {
  const created = new Date(createdAtSeconds * 1000);
  const month = String(created.getUTCMonth() + 1).padStart(2, "0");
  return `${String(created.getUTCFullYear()).padStart(4, "0")}-${month}`;
}

/** `<high>/logs/<YYYY-MM>/os-job-<id>/`, holding logs.txt and metadata.json. */
export function jobLogDir(layout: StorageLayout, job: Pick<JobDefinition, "id" | "createdAt">): string {
  return path.join(jobLogRoot(layout), logMonth(job.createdAt), containerName(job.id));
}

/** The per-action log copy inside a workspace: `<ws dir>/metadata/<action>.log`. */
export function workspaceLogFile(workspaceDir: string, action: string): string {
  assertSafeName("action", action);
  return path.join(workspaceDir, METADATA_DIR, `${action}.log`);
}
