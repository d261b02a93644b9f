/**
 * `run_all` is the reserved name meaning "every action". From v5 a user action with that name is
 * an error; before v5 it only warns, and the user's action is never run under that name.
 */
import type { FeatureFlags } from "./project-version.js";
import { fail, keyAt } from "./validation-failure.js";

export const RUN_ALL = "run_all";

/** Returns the warning to issue for this action id, or null; fails in versions that forbid it. */
export function checkRunAllName(actionId: string, flags: FeatureFlags): string | null {
  if (actionId !== RUN_ALL) return null;
  if (flags.removeRunAllAction)
    fail("`run_all` is a reserved action name and is not allowed for user-defined actions.", keyAt("actions", RUN_ALL));
  return (
    "ProjectWarning: `run_all` is a reserved action name; user-defined actions with this name are ignored " +
    "and will raise an error in later versions."
  );
}
