/**
 * `rap manifest update-out-of-date-actions WORKSPACE REPO_URL COMMIT` (upstream's agent
 * `update_manifest_out_of_date_actions`): sets every entry's `out_of_date_action` in the
 * workspace's manifest.json from project.yaml at COMMIT, as finalize does after each job: true when
 * the entry's action is no longer in the project, false when it is.
 *
 * Unlike upstream, which skips silently, a project.yaml that cannot be read is an error and the
 * manifest is left alone; and a workspace with no manifest.json is an error (a mistyped name must
 * not create one). Entries are only flagged, never removed.
 */
import { existsSync } from "node:fs";
import { readProjectActionNames, type CheckoutOptions } from "../../runtime-drivers/index.js";
import { manifestPath, readManifest, writeManifest, type Manifest } from "../../runtime-drivers/job-files/index.js";
import { EXIT_OK } from "../cli-errors.js";
import { OpsRefusal, type OpsIo } from "./ops-io.js";

export interface OutOfDateOptions {
  readonly mediumWorkspace: string;
  readonly workspace: string;
  readonly repoUrl: string;
  readonly commit: string;
  readonly dryRun: boolean;
}

/** Reads the workspace's manifest, refusing when there is none (the workspace name is probably wrong). */
export async function existingManifest(mediumWorkspace: string, workspace: string): Promise<Manifest> {
  const file = manifestPath(mediumWorkspace);
  if (!existsSync(file)) throw new OpsRefusal(`Could not find existing manifest file for workspace ${workspace} (${file})`);
  return readManifest(mediumWorkspace, workspace);
}

function shown(value: unknown): string {
  return value === undefined ? "(unset)" : JSON.stringify(value);
}

/** Applies the flags in place and returns one line per entry whose flag changed. */
export function flagOutOfDateActions(manifest: Manifest, actions: ReadonlySet<string>): string[] {
  const changes: string[] = [];
  for (const [name, entry] of Object.entries(manifest.outputs)) {
    const flag = !(typeof entry.action === "string" && actions.has(entry.action));
    if (entry.out_of_date_action !== flag) {
      changes.push(`${name} (action ${shown(entry.action)}): out_of_date_action ${shown(entry.out_of_date_action)} -> ${flag}`);
    }
    entry.out_of_date_action = flag;
  }
  return changes;
}

export async function runUpdateOutOfDateActions(
  options: OutOfDateOptions,
  checkout: CheckoutOptions,
  io: OpsIo,
  signal: AbortSignal,
): Promise<number> {
  const manifest = await existingManifest(options.mediumWorkspace, options.workspace);
  const actions = await readProjectActionNames(options.repoUrl, options.commit, checkout, signal);
  if (!actions || actions.size === 0) {
    throw new OpsRefusal(`Could not read the actions of project.yaml at commit ${options.commit} of ${options.repoUrl}`);
  }
  const changes = flagOutOfDateActions(manifest, actions);
  for (const line of changes) io.out(`${line}\n`);
  const total = Object.keys(manifest.outputs).length;
  if (options.dryRun) {
    io.out(`${changes.length} of ${total} entries would change (dry run: manifest.json not written)\n`);
    return EXIT_OK;
  }
  if (changes.length > 0) await writeManifest(options.mediumWorkspace, manifest);
  io.out(
    changes.length > 0
      ? `${changes.length} of ${total} entries changed; wrote ${manifestPath(options.mediumWorkspace)}\n`
      : `0 of ${total} entries changed; manifest.json left as it was\n`,
  );
  return EXIT_OK;
}
