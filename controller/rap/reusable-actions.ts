/**
 * Reusable actions (reference/jobrunner.md §4.5): a run command whose image is not a built-in
 * runtime names an action repository at a tag (`<action>:<tag> args…`). Each such new job is
 * rewritten to the action's own run command followed by the job's arguments, and remembers the
 * action's repository and commit, which the agent then checks out instead of the study.
 *
 * Every message is upstream's, prefixed `in '<action>: <first token>' ` so the user sees which
 * action failed. Resolutions are cached per (name, tag) for one create request only: a tag may be
 * moved between requests, and the next request must see the move.
 */
import type { ActionRepos } from "../git/action-repos.js";
import { RemoteNotReachableError, UnknownRefError } from "../git/remote-refs.js";
import { locateRepo } from "../git/repo-url.js";
import type { Job } from "../jobs/job.js";
import { shellJoin, shellSplit } from "../pipeline/shell-words.js";
import { ALLOWED_IMAGES, ReusableActionError, actionRunArgs } from "./action-file.js";

export { ALLOWED_IMAGES, ReusableActionError } from "./action-file.js";

/** One fetched action: where it is and its action.yaml; the run args are parsed on first use. */
interface FetchedAction {
  readonly repoUrl: string;
  readonly commit: string;
  readonly actionYaml: string;
  runArgs?: readonly string[];
}

/** The parts of the job API this module needs (the real one is ActionRepos in git/action-repos.ts). */
export type ActionSource = Pick<ActionRepos, "repoUrl" | "resolveRef" | "isOnMain" | "readFile">;

/**
 * Upstream checks that `https://github.com/opensafely-actions/<name>` is a well-formed repository
 * URL in that organisation. We apply the same check whatever the configured base, and also refuse
 * `.` and `..`, which would leave a local base directory.
 */
function hasValidCharacters(name: string): boolean {
  if (/[\t\r\n]/.test(name) || [".", ".."].includes(name.replace(/\/+$/, ""))) return false;
  try {
    locateRepo(`https://github.com/opensafely-actions/${name}`, {
      allowLocalGitRepos: false,
      allowedGithubOrgs: ["opensafely-actions"],
    });
    return true;
  } catch {
    return false;
  }
}

async function fetchAction(repos: ActionSource, name: string, tag: string): Promise<FetchedAction> {
  if (!hasValidCharacters(name)) throw new ReusableActionError(`'${name}' contains invalid characters`);
  const repoUrl = repos.repoUrl(name);
  let commit: string;
  try {
    commit = await repos.resolveRef(name, tag);
  } catch (error) {
    if (error instanceof RemoteNotReachableError) {
      throw new ReusableActionError(
        `could not find a repo at ${repoUrl}\nCheck that '${name}' is in the list of available actions at https://actions.opensafely.org`,
        { cause: error },
      );
    }
    if (error instanceof UnknownRefError) throw new ReusableActionError(`'${tag}' is not a tag listed in ${repoUrl}/tags`);
    throw error;
  }
  // Tags can be pushed by anyone with write access; only what was merged into main is approved.
  let approved: boolean;
  try {
    approved = await repos.isOnMain(name, commit);
  } catch (error) {
    throw new ReusableActionError(`error validating '${commit}' in ${repoUrl}`, { cause: error });
  }
  if (!approved) throw new ReusableActionError(`tag '${tag}' has not yet been approved for use (not merged into main branch)`);
  let actionYaml: string | undefined;
  try {
    actionYaml = await repos.readFile(name, commit, "action.yaml");
  } catch (error) {
    throw new ReusableActionError(`error reading '${commit}' from ${repoUrl}`, { cause: error });
  }
  if (actionYaml === undefined) {
    throw new ReusableActionError(`${repoUrl}/tree/${tag} doesn't look like a valid action (no 'action.yaml' file present)`);
  }
  return { repoUrl, commit, actionYaml };
}

/** The job unchanged if it runs a built-in image, else rewritten to run the action. */
async function resolveOne(repos: ActionSource, cache: Map<string, FetchedAction>, job: Job): Promise<Job> {
  const args = shellSplit(job.runCommand);
  // project.yaml validation guarantees `image:version` with exactly one colon.
  const [name = "", tag = ""] = (args[0] ?? "").split(":");
  if (ALLOWED_IMAGES.has(name)) return job;
  const key = `${name}\u0000${tag}`;
  let action = cache.get(key);
  if (!action) {
    action = await fetchAction(repos, name, tag);
    cache.set(key, action);
  }
  action.runArgs ??= actionRunArgs(action.actionYaml, action.repoUrl);
  return {
    ...job,
    runCommand: shellJoin([...action.runArgs, ...args.slice(1)]),
    actionRepoUrl: action.repoUrl,
    actionCommit: action.commit,
  };
}

/**
 * Resolves every reusable action among the new jobs of one create request, in order; the first
 * failure aborts the request with upstream's message.
 */
export async function resolveReusableActions(repos: ActionSource, jobs: readonly Job[]): Promise<Job[]> {
  const cache = new Map<string, FetchedAction>();
  const resolved: Job[] = [];
  for (const job of jobs) {
    try {
      resolved.push(await resolveOne(repos, cache, job));
    } catch (error) {
      if (!(error instanceof ReusableActionError)) throw error;
      const firstToken = job.runCommand.trim().split(/\s+/)[0] ?? "";
      throw new ReusableActionError(`in '${job.action}: ${firstToken}' ${error.message}`, { cause: error });
    }
  }
  return resolved;
}
