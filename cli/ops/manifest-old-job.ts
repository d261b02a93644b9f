/**
 * `rap manifest add-old-job WORKSPACE PARTIAL_JOB_ID BRANCH` (upstream's agent
 * `update_manifest_for_old_job`): adds manifest.json entries for the outputs of a job that ran
 * before its outputs were recorded, from that job's metadata.json. Existing entries are never
 * replaced. The manifest is copied to `manifest.json<job id>.bu` first, as upstream does.
 *
 * The study repository is taken from the manifest's first entry and BRANCH's head commit decides
 * the flags: the action still in project.yaml there → `out_of_date_output` (a newer run replaced
 * these files), gone → `out_of_date_action`. Job ids match by prefix, as upstream's glob does.
 *
 * Where upstream is unclear, as finalize does it: entries are built from the high-privacy copy of
 * a file (upstream reads the medium-privacy copy, which a highly_sensitive output does not have);
 * an excluded file's entry is built from its `.txt` explanation; rows and columns are counted for
 * moderately_sensitive CSVs only.
 */
import { copyFile, readdir } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import {
  resolveBranchCommit,
  readProjectActionNames,
  type CheckoutOptions,
  type StorageLayout,
} from "../../runtime-drivers/index.js";
import {
  csvCounts,
  highWorkspaceDir,
  manifestEntry,
  manifestPath,
  readJobMetadataById,
  writeManifest,
} from "../../runtime-drivers/job-files/index.js";
import type { OutputPrivacy } from "../../runtime-drivers/types.js";
import { EXIT_FAILED, EXIT_OK } from "../cli-errors.js";
import { existingManifest } from "./manifest-out-of-date.js";
import { chooseOne, OpsRefusal, type OpsIo } from "./ops-io.js";

export interface OldJobOptions {
  readonly layout: StorageLayout;
  readonly mediumWorkspace: string;
  readonly workspace: string;
  readonly partialJobId: string;
  readonly branch: string;
  readonly dryRun: boolean;
}

const PREFIX = "os-job-";

/** Job ids with a log folder (any month) starting with `partial`, sorted. */
async function jobIdsWithLogs(layout: StorageLayout, partial: string): Promise<string[]> {
  const root = path.join(layout.highPrivacyDir, "logs");
  const months = existsSync(root) ? await readdir(root) : [];
  const ids = new Set<string>();
  for (const month of months) {
    for (const entry of await readdir(path.join(root, month), { withFileTypes: true }).catch(() => [])) {
      if (entry.isDirectory() && entry.name.startsWith(PREFIX + partial)) ids.add(entry.name.slice(PREFIX.length));
    }
  }
  return [...ids].sort();
}

async function fullJobId(options: OldJobOptions, io: OpsIo): Promise<string> {
  const ids = await jobIdsWithLogs(options.layout, options.partialJobId);
  if (ids.length === 0) throw new OpsRefusal(`No match found for job id ${options.partialJobId}`);
  if (ids.length === 1) return ids[0]!;
  return chooseOne(io, `Multiple matches found for '${options.partialJobId}':`, ids);
}

function labelsOf(metadata: Record<string, unknown>): Record<string, unknown> {
  const config = (metadata.container_metadata as { Config?: { Labels?: unknown } } | undefined)?.Config;
  const labels = config?.Labels;
  return labels !== null && typeof labels === "object" ? (labels as Record<string, unknown>) : {};
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function firstRepo(outputs: Record<string, Record<string, unknown>>, workspace: string): string {
  const repo = Object.values(outputs)[0]?.repo;
  if (typeof repo !== "string" || repo === "") {
    throw new OpsRefusal(`The manifest of workspace ${workspace} has no entry with a repo to take the study repository from`);
  }
  return repo;
}

export async function runAddOldJob(options: OldJobOptions, checkout: CheckoutOptions, io: OpsIo, signal: AbortSignal) {
  const manifest = await existingManifest(options.mediumWorkspace, options.workspace);
  const jobId = await fullJobId(options, io);
  const metadata = await readJobMetadataById(options.layout, jobId);
  const labels = labelsOf(metadata);
  if (labels.workspace !== options.workspace) {
    throw new OpsRefusal(
      `Metadata for job ${jobId} does not match workspace provided. Expected ${options.workspace}, found ${String(labels.workspace)}`,
    );
  }
  const action = String(labels.action);
  const repo = firstRepo(manifest.outputs, options.workspace);
  const commit = await resolveBranchCommit(repo, options.branch, checkout, signal);
  if (!commit) throw new OpsRefusal(`Branch ${options.branch} not found in ${repo}`);
  const actions = await readProjectActionNames(repo, commit, checkout, signal);
  if (!actions) throw new OpsRefusal(`Could not read the actions of project.yaml at ${options.branch} (${commit}) of ${repo}`);
  const excludedFiles = record(metadata.level4_excluded_files);
  let added = 0;
  let missing = 0;
  for (const [output, level] of Object.entries(record(metadata.outputs))) {
    if (Object.hasOwn(manifest.outputs, output)) {
      io.out(`${output} exists in manifest.json, skipping\n`);
      continue;
    }
    const excluded = Object.hasOwn(excludedFiles, output);
    // The excluded file itself is not in the medium-privacy store: its explanation is.
    const file = excluded
      ? path.join(options.mediumWorkspace, `${output}.txt`)
      : path.join(highWorkspaceDir(options.layout, options.workspace), output);
    if (!existsSync(file)) {
      io.err(`${output}: ${file} does not exist, skipping\n`);
      missing += 1;
      continue;
    }
    io.out(`Updating manifest output metadata for ${output}\n`);
    const counts = !excluded && level === "moderately_sensitive" && file.endsWith(".csv") ? await csvCounts(file) : undefined;
    const entry = await manifestEntry(file, {
      level: level as OutputPrivacy,
      jobId: text(metadata.job_definition_id) ?? jobId,
      rapId: text(metadata.job_definition_rap_id) ?? "",
      action,
      user: typeof metadata.user === "string" ? metadata.user : null,
      repo,
      commit: text(metadata.commit) ?? "",
      excluded,
      message: excluded ? String(excludedFiles[output]) : null,
      rows: counts?.rows ?? null,
      cols: counts?.cols ?? null,
    });
    manifest.outputs[output] = actions.has(action)
      ? { ...entry, out_of_date_output: true, out_of_date_action: false }
      : { ...entry, out_of_date_action: true, out_of_date_output: false };
    added += 1;
  }
  const backup = `${manifestPath(options.mediumWorkspace)}${jobId}.bu`;
  if (options.dryRun) {
    io.out(`${added} entries would be added for job ${jobId} (dry run: manifest.json not written, no backup made)\n`);
  } else {
    await copyFile(manifestPath(options.mediumWorkspace), backup);
    if (added > 0) await writeManifest(options.mediumWorkspace, manifest);
    io.out(`${added} entries added for job ${jobId}; the previous manifest.json is in ${backup}\n`);
  }
  return missing > 0 ? EXIT_FAILED : EXIT_OK;
}
