/**
 * Persisting a finished job's outputs (reference §5.8): every output is copied to the high-privacy
 * workspace; `moderately_sensitive` ones that pass the Level 4 checks are also copied to the
 * medium-privacy workspace, and those that fail get a `<file>.txt` explanation there instead.
 * Whichever of the two is not current is deleted, so L4 never shows a stale file or a stale
 * explanation. Finally manifest.json is updated for all outputs.
 */
import path from "node:path";
import type { JobDefinition, OutputPrivacy, StorageLayout } from "../types.js";
import { copyFileAtomic, removeFileIfPresent, writeFileAtomic } from "./atomic-file.js";
import { checkLevel4File, type Level4Result } from "./level4-checks.js";
import { manifestEntry, updateManifest, type ManifestEntry } from "./manifest.js";
import { highWorkspaceDir, mediumWorkspaceDir } from "./storage-paths.js";
import { resolveVolumeFile } from "./volume-glob.js";

export interface PersistInput {
  readonly job: JobDefinition;
  readonly layout: StorageLayout;
  readonly volumeDir: string;
  /** Matched outputs: relative path → privacy. */
  readonly outputs: Readonly<Record<string, OutputPrivacy>>;
  readonly readStudyProjectActions?: (() => Promise<Set<string> | undefined>) | undefined;
}

/** Joins a matched (relative, `/`-separated, `..`-free) output path onto a workspace folder. */
function inWorkspace(workspaceDir: string, file: string): string {
  return path.join(workspaceDir, ...file.split("/"));
}

/** Copies, checks and records the outputs; returns `{file: job message}` for excluded L4 files. */
export async function persistOutputs(input: PersistInput): Promise<Record<string, string>> {
  const { job, layout, outputs } = input;
  const highDir = highWorkspaceDir(layout, job.workspace);
  const mediumDir = mediumWorkspaceDir(layout, job.workspace);

  const sizes = new Map<string, number>();
  for (const file of Object.keys(outputs)) {
    const source = await resolveVolumeFile(input.volumeDir, file);
    sizes.set(file, await copyFileAtomic(source, inWorkspace(highDir, file)));
  }

  const level4Files = Object.keys(outputs).filter((file) => outputs[file] === "moderately_sensitive");
  const checks = new Map<string, Level4Result>();
  for (const file of level4Files) {
    checks.set(file, await checkLevel4File(job, file, inWorkspace(highDir, file), sizes.get(file) ?? 0));
  }

  const excluded: Record<string, string> = {};
  for (const file of level4Files) {
    const check = checks.get(file);
    const released = inWorkspace(mediumDir, file);
    const explanation = `${released}.txt`;
    if (check && !check.ok) {
      excluded[file] = check.jobMessage ?? "";
      await writeFileAtomic(explanation, check.fileMessage ?? "");
      await removeFileIfPresent(released);
    } else {
      await copyFileAtomic(inWorkspace(highDir, file), released);
      await removeFileIfPresent(explanation);
    }
  }

  const entries: Record<string, ManifestEntry> = {};
  for (const [file, level] of Object.entries(outputs)) {
    const check = checks.get(file);
    entries[file] = await manifestEntry(inWorkspace(highDir, file), {
      level,
      jobId: job.id,
      rapId: job.rapId,
      action: job.action,
      user: job.user,
      repo: job.study.gitRepoUrl,
      commit: job.study.commit,
      excluded: Object.hasOwn(excluded, file),
      message: excluded[file] ?? null,
      rows: check?.rows ?? null,
      cols: check?.cols ?? null,
    });
  }
  await updateManifest(mediumDir, job.workspace, job.action, entries, input.readStudyProjectActions);
  return excluded;
}
