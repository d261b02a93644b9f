/**
 * The action names of a study's project.yaml at the study commit (never a reusable action's own
 * repository), which the workspace manifest's out_of_date_action flags are computed from. Any
 * failure (git, YAML) gives undefined, and the manifest step is skipped, as upstream does.
 */
import { parse } from "yaml";
import { readFileAtCommit, type CheckoutOptions } from "./checkout.js";
import type { JobDefinition } from "./types.js";

export function readStudyActionNames(
  job: JobDefinition,
  checkout: CheckoutOptions,
  signal: AbortSignal,
): Promise<Set<string> | undefined> {
  return readProjectActionNames(job.study.gitRepoUrl, job.study.commit, checkout, signal);
}

/**
 * The action names of project.yaml in `repoUrl` at `commit`; undefined when it cannot be read or
 * has no actions mapping. Also what the operators' manifest tools (`rap manifest …`) use.
 */
export async function readProjectActionNames(
  repoUrl: string,
  commit: string,
  checkout: CheckoutOptions,
  signal: AbortSignal,
): Promise<Set<string> | undefined> {
  try {
    const text = await readFileAtCommit(repoUrl, commit, "project.yaml", checkout, signal);
    const project: unknown = parse(text);
    if (typeof project !== "object" || project === null) return undefined;
    const actions = (project as { actions?: unknown }).actions;
    if (typeof actions !== "object" || actions === null || Array.isArray(actions)) return undefined;
    return new Set(Object.keys(actions));
  } catch {
    return undefined;
  }
}
