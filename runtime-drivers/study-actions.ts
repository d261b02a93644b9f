/**
 * The action names of a study's project.yaml at the study commit (never a reusable action's own
 * repository), which the workspace manifest's out_of_date_action flags are computed from. Any
 * failure (git, YAML) gives undefined, and the manifest step is skipped, as upstream does.
 */
import { parse } from "yaml";
import { readFileAtCommit, type CheckoutOptions } from "./checkout.js";
import type { JobDefinition } from "./types.js";

export async function readStudyActionNames(
  job: JobDefinition,
  checkout: CheckoutOptions,
  signal: AbortSignal,
): Promise<Set<string> | undefined> {
  try {
    const text = await readFileAtCommit(job.study.gitRepoUrl, job.study.commit, "project.yaml", checkout, signal);
    const project: unknown = parse(text);
    if (typeof project !== "object" || project === null) return undefined;
    const actions = (project as { actions?: unknown }).actions;
    if (typeof actions !== "object" || actions === null || Array.isArray(actions)) return undefined;
    return new Set(Object.keys(actions));
  } catch {
    return undefined;
  }
}
