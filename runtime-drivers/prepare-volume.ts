/**
 * Fills a job's working directory before it runs (upstream's prepare, reference/jobrunner.md §5.7):
 * archived-workspace guard, code checkout, inputs copied from the outputs of the jobs it needs, and
 * the timestamp marker that means "prepared" and dates every file the job writes afterwards.
 */
import { chown, mkdir, readdir, stat, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import { checkoutCommit, type CheckoutOptions } from "./checkout.js";
import { copyFileAtomic, highWorkspaceDir, readJobMetadataById, TIMESTAMP_REFERENCE_FILE } from "./job-files/index.js";
import type { JobDefinition, StorageLayout } from "./types.js";

export class PrepareError extends Error {
  override readonly name = "PrepareError";
}

const ARCHIVE_FORMATS = [".tar.gz", ".tar.zstd", ".tar.xz"];

export function assertNotArchived(layout: StorageLayout, workspace: string): void {
  if (existsSync(highWorkspaceDir(layout, workspace))) return;
  if (ARCHIVE_FORMATS.some((ext) => existsSync(path.join(layout.archivesDir, `${workspace}${ext}`)))) {
    throw new PrepareError(`Workspace ${workspace} has been archived. Contact the OpenSAFELY tech team to resolve`);
  }
}

/** Files the needed jobs produced (every privacy level), from their metadata.json. */
async function inputFiles(layout: StorageLayout, job: JobDefinition): Promise<string[]> {
  const files: string[] = [];
  for (const inputJobId of job.inputJobIds) {
    const metadata = await readJobMetadataById(layout, inputJobId);
    const outputs = metadata.outputs;
    if (outputs !== null && typeof outputs === "object") files.push(...Object.keys(outputs));
  }
  return files;
}

/** A relative path that stays inside its base directory. */
function inside(base: string, relative: string): string {
  const resolved = path.resolve(base, relative);
  if (path.isAbsolute(relative) || !resolved.startsWith(base + path.sep)) {
    throw new PrepareError(`refusing input path outside the workspace: ${relative}`);
  }
  return resolved;
}

async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  await chown(dir, uid, gid);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(full, uid, gid);
    else if (!entry.isSymbolicLink()) await chown(full, uid, gid);
  }
}

export interface PrepareVolumeOptions {
  readonly layout: StorageLayout;
  readonly volumeDir: string;
  readonly checkout: CheckoutOptions;
  /** When set (agent running as root, job as another user), the tree is handed to that user. */
  readonly owner?: { readonly uid: number; readonly gid: number } | undefined;
  readonly nowNs: () => bigint;
  /** Puts the job's code in place instead of the git checkout (a local run from a study directory). */
  readonly copyCode?: ((job: JobDefinition, volumeDir: string, signal: AbortSignal) => Promise<void>) | undefined;
}

export async function prepareVolume(job: JobDefinition, options: PrepareVolumeOptions, signal: AbortSignal): Promise<void> {
  const { layout, volumeDir } = options;
  await mkdir(volumeDir, { recursive: true });
  if (options.copyCode) await options.copyCode(job, volumeDir, signal);
  else await checkoutCommit(job.repoUrl, job.commit, volumeDir, options.checkout, signal);
  const workspaceDir = highWorkspaceDir(layout, job.workspace);
  for (const file of await inputFiles(layout, job)) {
    const source = inside(workspaceDir, file);
    const target = inside(volumeDir, file);
    const found = await stat(source).catch(() => undefined);
    if (!found?.isFile()) {
      throw new PrepareError(`The file ${file} doesn't exist in workspace ${job.workspace} as requested for job ${job.id}`);
    }
    await mkdir(path.dirname(target), { recursive: true });
    await copyFileAtomic(source, target);
  }
  if (options.owner) await chownTree(volumeDir, options.owner.uid, options.owner.gid);
  // Written last: its presence is what makes the job "prepared".
  await writeFile(path.join(volumeDir, TIMESTAMP_REFERENCE_FILE), options.nowNs().toString());
}
