/**
 * `rap task kill PARTIAL_JOB_ID…` (upstream's agent `kill_task`): kills the running containers of
 * this backend's jobs whose id contains each given text, and deletes their working directories,
 * so that the agent runs those jobs again from the start (a retry, not a cancel).
 *
 * Why the agent re-runs the job: it is waiting on the container (`container wait`). The working
 * directory, with the marker that makes a job "prepared", is deleted first; then the container is
 * renamed out of the job's name and killed. When the wait returns, the job has no metadata, no
 * marker and no container under its name, which the executor reads as "unknown", and the agent
 * prepares and runs it again under the same task. Renaming first means a fresh run never meets the
 * dying container under its own name (it would otherwise be re-attached and finalized as exit 137).
 *
 * Job ids come from container names by removing the `os-job-` prefix (upstream's `lstrip` dropped
 * any leading o, s, -, j, b letters of the id too). Matching is on the id, not the whole name.
 */
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import path from "node:path";
import * as argv from "../../runtime-drivers/container-cli/argv.js";
import type { CommandRunner } from "../../runtime-drivers/index.js";
import { containerName } from "../../runtime-drivers/job-files/index.js";
import { EXIT_FAILED, EXIT_OK } from "../cli-errors.js";
import { chooseOne, OpsRefusal, type OpsIo } from "./ops-io.js";

const PREFIX = "os-job-";

export interface TaskKillDeps extends OpsIo {
  readonly binary: string;
  readonly runner: CommandRunner;
  readonly volumesDir: string;
  readonly signal: AbortSignal;
}

export interface TaskKillOptions {
  readonly partialIds: readonly string[];
  readonly dryRun: boolean;
  /** Never ask: an inexact single match is taken, several matches are an error. */
  readonly yes: boolean;
}

/** A job id from its container's name, or undefined for a name that is not a job container's. */
export function jobIdFromContainerName(name: string): string | undefined {
  return name.startsWith(PREFIX) && name.length > PREFIX.length ? name.slice(PREFIX.length) : undefined;
}

async function runningJobIds(deps: TaskKillDeps): Promise<string[]> {
  const listed = await deps.runner.run(deps.binary, argv.listRunningJobContainersArgv(), { signal: deps.signal });
  if (listed.exitCode !== 0) throw new Error(`${deps.binary} container ls failed: ${listed.stderr.trim()}`);
  return listed.stdout
    .split("\n")
    .map((line) => jobIdFromContainerName(line.trim()))
    .filter((id): id is string => id !== undefined);
}

/** Picks one of several matches: a number typed at the prompt (never with --yes). */
function choose(partial: string, matches: readonly string[], deps: TaskKillDeps, options: TaskKillOptions): Promise<string> {
  const header = `Multiple running tasks found matching '${partial}':`;
  if (!options.yes) return chooseOne(deps, header, matches);
  deps.out(`${header}\n${matches.map((id, index) => `  ${index + 1}: ${id}\n`).join("")}\n`);
  throw new OpsRefusal(`'${partial}' matches ${matches.length} running tasks; give more of the job id`);
}

/** The job ids to kill, in the order given, each once. */
async function selectJobs(deps: TaskKillDeps, options: TaskKillOptions): Promise<string[]> {
  const running = await runningJobIds(deps);
  const selected = new Set<string>();
  let inexact = false;
  for (const partial of options.partialIds) {
    const matches = running.filter((id) => id.includes(partial)).sort();
    if (matches.length === 0) deps.out(`No running tasks found matching '${partial}'\n`);
    else if (matches.length > 1) selected.add(await choose(partial, matches, deps, options));
    else {
      inexact ||= matches[0] !== partial;
      selected.add(matches[0]!);
    }
  }
  const jobs = [...selected];
  if (inexact && !options.yes && !options.dryRun) {
    deps.out(`About to kill tasks for jobs:\n${jobs.map((id) => `  ${id}\n`).join("")}`);
    const answer = await deps.ask("\nEnter to continue, Ctrl-C to quit ");
    if (answer !== "") throw new OpsRefusal("not confirmed; nothing was killed");
  }
  return jobs;
}

async function containerExists(deps: TaskKillDeps, name: string): Promise<boolean> {
  return (await deps.runner.run(deps.binary, argv.inspectArgv(name), { signal: deps.signal })).exitCode === 0;
}

async function killOne(deps: TaskKillDeps, jobId: string): Promise<void> {
  const name = containerName(jobId);
  // Order matters (see the file header): working directory, then rename, then kill and remove.
  await rm(path.join(deps.volumesDir, jobId), { recursive: true, force: true });
  const doomed = `rap-killed-${jobId}-${randomBytes(4).toString("hex")}`;
  const renamed = await deps.runner.run(deps.binary, argv.renameArgv(name, doomed), { signal: deps.signal });
  const target = renamed.exitCode === 0 ? doomed : name;
  await deps.runner.run(deps.binary, argv.killArgv(target), { signal: deps.signal });
  const removed = await deps.runner.run(deps.binary, argv.removeArgv(target), { signal: deps.signal });
  if (removed.exitCode !== 0 && (await containerExists(deps, target))) {
    throw new Error(`${deps.binary} container rm ${target} failed: ${removed.stderr.trim()}`);
  }
}

export async function runTaskKill(deps: TaskKillDeps, options: TaskKillOptions): Promise<number> {
  let jobs: string[];
  try {
    jobs = await selectJobs(deps, options);
  } catch (error) {
    if (!(error instanceof OpsRefusal)) throw error;
    deps.err(`rap task kill: ${error.message}\n`);
    return EXIT_FAILED;
  }
  let code = EXIT_OK;
  for (const jobId of jobs) {
    // It may have finished since the list was read.
    if (!(await containerExists(deps, containerName(jobId)))) {
      deps.out(`Cannot kill task for job ${jobId}, associated container does not exist. The job may have completed.\n`);
      code = EXIT_FAILED;
      continue;
    }
    if (options.dryRun) {
      deps.out(
        `Would kill task for job ${jobId}: container ${containerName(jobId)}, working directory ${path.join(deps.volumesDir, jobId)}\n`,
      );
      continue;
    }
    await killOne(deps, jobId);
    deps.out(`Task for job ${jobId} killed.\n`);
  }
  if (jobs.length === 0) code = EXIT_FAILED;
  return code;
}
