/**
 * `rap workspace archive WORKSPACE` and `rap workspace unarchive WORKSPACE` (upstream's
 * scripts/archive.sh and unarchive.sh, with the paths the agent's guard checks): the high-privacy
 * workspace folder becomes `<archives dir>/<workspace>.tar.gz`, and back. While it is archived the
 * agent refuses the workspace's jobs ("Workspace <ws> has been archived. …"). The medium-privacy
 * outputs and manifest.json stay where they are, as upstream's scripts leave them.
 *
 * Archiving writes `<archive>.<hex>.tmp`, checks that `tar --list` of it names exactly the files
 * tar said it wrote, renames it into place, and only then removes the folder. Unarchiving extracts
 * into a temporary folder next to the workspaces, checks it holds only the workspace, renames it
 * into place and only then removes the archive. Either way an interruption leaves the original.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import type { CommandRunner, StorageLayout } from "../../runtime-drivers/index.js";
import { highWorkspaceDir } from "../../runtime-drivers/job-files/index.js";
import { EXIT_OK } from "../cli-errors.js";
import { OpsRefusal, type OpsIo } from "./ops-io.js";

/** The extensions the agent's archived-workspace guard accepts; `rap workspace archive` writes the first. */
export const ARCHIVE_EXTENSIONS = [".tar.gz", ".tar.zstd", ".tar.xz"] as const;

export interface ArchiveDeps {
  readonly layout: StorageLayout;
  readonly runner: CommandRunner;
  readonly io: OpsIo;
  /** Names of this workspace's job containers (any state); undefined: the runtime cannot be asked. */
  readonly workspaceContainers: ((workspace: string) => Promise<string[]>) | undefined;
  readonly signal: AbortSignal;
}

function existingArchive(layout: StorageLayout, workspace: string): string | undefined {
  return ARCHIVE_EXTENSIONS.map((ext) => path.join(layout.archivesDir, `${workspace}${ext}`)).find((file) => existsSync(file));
}

async function tar(deps: ArchiveDeps, args: string[]): Promise<string> {
  const result = await deps.runner.run("tar", args, { signal: deps.signal, timeoutMs: 0 });
  if (result.exitCode !== 0) throw new OpsRefusal(`tar ${args[0]} failed: ${result.stderr.trim()}`);
  return result.stdout;
}

const lines = (text: string): string[] => text.split("\n").filter((line) => line !== "");

async function refuseWhileJobsExist(deps: ArchiveDeps, workspace: string): Promise<void> {
  if (!deps.workspaceContainers) {
    deps.io.err(
      `cannot look for running jobs of ${workspace} on this backend's runtime (kubernetes); make sure none is running\n`,
    );
    return;
  }
  const containers = await deps.workspaceContainers(workspace);
  if (containers.length > 0) {
    throw new OpsRefusal(`Workspace ${workspace} has job containers (${containers.join(", ")}); wait for its jobs to finish`);
  }
}

export async function runArchive(deps: ArchiveDeps, workspace: string, dryRun: boolean): Promise<number> {
  const dir = highWorkspaceDir(deps.layout, workspace);
  const already = existingArchive(deps.layout, workspace);
  if (!existsSync(dir)) {
    if (already) {
      deps.io.out(`${workspace} is already archived at ${already}\n`);
      return EXIT_OK;
    }
    throw new OpsRefusal(`Directory ${dir} does not exist`);
  }
  if (already) throw new OpsRefusal(`Both ${already} and ${dir} exist!`);
  await refuseWhileJobsExist(deps, workspace);
  const archive = path.join(deps.layout.archivesDir, `${workspace}.tar.gz`);
  if (dryRun) {
    deps.io.out(`Would archive ${dir} to ${archive} and then remove ${dir}\n`);
    return EXIT_OK;
  }
  await mkdir(deps.layout.archivesDir, { recursive: true });
  const tmp = `${archive}.${randomBytes(8).toString("hex")}.tmp`;
  try {
    const parent = path.dirname(dir);
    const written = lines(
      await tar(deps, ["--create", "--gzip", "--verbose", "--directory", parent, "--file", tmp, `${workspace}/`]),
    );
    const listed = lines(await tar(deps, ["--list", "--file", tmp]));
    if (written.length === 0 || written.join("\n") !== listed.join("\n")) {
      throw new OpsRefusal(`${tmp} does not list the files tar wrote; ${dir} was not removed`);
    }
    await rename(tmp, archive);
  } finally {
    await rm(tmp, { force: true });
  }
  await rm(dir, { recursive: true, force: true });
  deps.io.out(`Archived ${workspace} to ${archive} and removed ${dir}\n`);
  return EXIT_OK;
}

export async function runUnarchive(deps: ArchiveDeps, workspace: string, dryRun: boolean): Promise<number> {
  const dir = highWorkspaceDir(deps.layout, workspace);
  const archive = existingArchive(deps.layout, workspace);
  if (!archive) {
    throw new OpsRefusal(
      existsSync(dir)
        ? `${dir} already exists`
        : `Archive file ${path.join(deps.layout.archivesDir, workspace)}.tar.gz does not exist`,
    );
  }
  if (existsSync(dir)) throw new OpsRefusal(`Both ${archive} and ${dir} exist!`);
  if (dryRun) {
    deps.io.out(`Would restore ${dir} from ${archive} and then remove ${archive}\n`);
    return EXIT_OK;
  }
  const parent = path.dirname(dir);
  await mkdir(parent, { recursive: true });
  const staging = path.join(parent, `.rap-unarchive-${workspace}-${randomBytes(4).toString("hex")}`);
  await mkdir(staging);
  try {
    // GNU tar detects the compression (gzip, xz, zstd) on extraction.
    await tar(deps, ["--extract", "--no-same-owner", "--directory", staging, "--file", archive]);
    const top = await readdir(staging);
    if (top.length !== 1 || top[0] !== workspace) {
      throw new OpsRefusal(`${archive} holds ${JSON.stringify(top)}, not just the folder ${workspace}/; nothing restored`);
    }
    await rename(path.join(staging, workspace), dir);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  await rm(archive, { force: true });
  deps.io.out(`Restored ${dir} from ${archive} and removed the archive\n`);
  return EXIT_OK;
}
