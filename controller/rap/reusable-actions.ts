/**
 * Reusable actions (reference/jobrunner.md §4.5): a run command whose image is not one of the
 * built-in runtimes names an action repository at a tag, and is rewritten to that action's command.
 */
import type { ControllerDeps } from "../deps.js";
import { UserActionableError } from "../jobs/errors.js";
import type { Job } from "../jobs/job.js";

/** Images a study may run directly; anything else is a reusable action reference. */
export const ALLOWED_IMAGES: ReadonlySet<string> = new Set(["ehrql", "stata-mp", "r", "jupyter", "python", "sqlrunner"]);

export function imageName(runCommand: string): string {
  const first = runCommand.split(" ", 1)[0] ?? "";
  return first.split(":", 1)[0] ?? "";
}

export function resolveReusableActions(_deps: ControllerDeps, jobs: Job[]): Promise<Job[]> {
  for (const job of jobs) {
    if (!ALLOWED_IMAGES.has(imageName(job.runCommand))) {
      const first = job.runCommand.split(" ", 1)[0] ?? "";
      throw new UserActionableError(`in '${job.action}: ${first}' reusable actions cannot be resolved by this controller yet`);
    }
  }
  return Promise.resolve(jobs);
}
