/**
 * `rap validate`'s own checks, beyond upstream's rules: things upstream accepts that are almost
 * certainly mistakes. Only one is an error: an image name that is a near miss of a built-in image
 * (`pyhton:v2`), which upstream takes for a reusable action and which then fails only at
 * submission. The rest are warnings. The controller never runs these.
 */
import type { ActionDraft } from "./action-build.js";
import { fnmatchRegExp } from "./command-output-rules.js";
import type { Diagnostics } from "./diagnostics.js";
import { suggestion } from "./did-you-mean.js";
import { ALLOWED_IMAGES, LEGACY_IMAGES } from "./images.js";
import { allEntries, type OutputEntry } from "./outputs.js";
import type { ValidatedProject } from "./parse-project.js";
import { LATEST_VERSION } from "./project-version.js";
import { ValidationFailure, keyAt, valueAt } from "./validation-failure.js";

export interface AdviceOptions {
  /**
   * Names of the reusable actions that exist (the actions list), when it could be fetched. With it,
   * any image that is neither built-in nor listed is an error; without it, only near misses of
   * built-in images are.
   */
  readonly knownActions?: readonly string[] | null;
}

/** Where studies keep files that actions pass between them. */
const OUTPUT_DIRECTORY = "output/";

export function adviseOnProject(d: Diagnostics, project: ValidatedProject, options: AdviceOptions): void {
  const actions = project.actions;
  for (const action of actions) checkImageName(d, action, options.knownActions ?? null);
  // Warnings only about actions without errors of their own: a half-read action would give
  // advice built on guesses (e.g. "no outputs" when its outputs had errors).
  const complete = actions.filter((action) => action.complete);
  const allComplete = complete.length === actions.length;
  for (const action of complete) {
    checkActionName(d, action);
    checkLatestTag(d, action, project.version);
    checkRepeatedNeeds(d, action);
    checkProducesSomething(d, action);
    // Which action produces a file is only known when every action's outputs were read.
    if (allComplete) checkPathArguments(d, action, actions);
  }
  checkOverlappingOutputs(d, complete);
}

function checkImageName(d: Diagnostics, action: ActionDraft, knownActions: readonly string[] | null): void {
  const run = action.run;
  if (run === null || ALLOWED_IMAGES.has(run.name) || LEGACY_IMAGES.has(run.name)) return;
  if (knownActions?.includes(run.name)) return;
  const builtIn = [...ALLOWED_IMAGES].sort();
  const at = valueAt("actions", action.key, "run");
  if (knownActions !== null) {
    const hint = suggestion(run.name, [...builtIn, ...knownActions]);
    const message = `Action ${action.id} uses \`${run.name}\`, which is neither a built-in image (${builtIn.join(", ")}) nor a reusable action in the actions list`;
    d.report(new ValidationFailure(message, at, hint));
    return;
  }
  const hint = suggestion(run.name, builtIn);
  if (hint === null) return; // presumably a reusable action; without the actions list it cannot be checked
  const message = `Action ${action.id} uses \`${run.name}\`, which is not a built-in image, so it would be looked up as a reusable action`;
  d.report(new ValidationFailure(message, at, hint));
}

function checkActionName(d: Diagnostics, action: ActionDraft): void {
  if (!/\s/.test(action.id)) return;
  d.warn(
    `Action name \`${action.id}\` contains whitespace, so no other action can list it in \`needs\``,
    keyAt("actions", action.key),
  );
}

function checkLatestTag(d: Diagnostics, action: ActionDraft, version: number | null): void {
  // From the latest version on this is already an error.
  if (action.run?.version !== "latest" || version === null || version >= LATEST_VERSION) return;
  d.warn(
    `Action ${action.id} uses \`${action.run.name}:latest\`, which version ${LATEST_VERSION} rejects`,
    valueAt("actions", action.key, "run"),
    `pin a version, e.g. \`${action.run.name}:v2\``,
  );
}

function checkRepeatedNeeds(d: Diagnostics, action: ActionDraft): void {
  const seen = new Set<string>();
  for (const need of action.needs) {
    if (seen.has(need.name)) {
      d.warn(
        `Action ${action.id} lists \`${need.name}\` more than once in \`needs\``,
        valueAt("actions", action.key, "needs", need.index),
      );
    }
    seen.add(need.name);
  }
}

function checkProducesSomething(d: Diagnostics, action: ActionDraft): void {
  // No level at all is already an error; this is for levels given with nothing in them.
  if (action.outputs === null || action.outputs.length === 0 || allEntries(action.outputs).length > 0) return;
  d.warn(`Action ${action.id} declares no output files, so nothing it writes is kept`, valueAt("actions", action.key, "outputs"));
}

/**
 * Words of `run` that name a file under output/ must be produced somewhere: by the action itself
 * (it writes the file), or by an action it needs (job-runner copies in only the outputs of the
 * actions listed in `needs`).
 */
function checkPathArguments(d: Diagnostics, action: ActionDraft, actions: readonly ActionDraft[]): void {
  if (action.run === null) return;
  const at = valueAt("actions", action.key, "run");
  const needed = new Set(action.needs.map((n) => n.name));
  for (const word of action.run.args) {
    const path = word.replace(/^--?[\w-]+=/, "");
    if (!path.startsWith(OUTPUT_DIRECTORY) || path === OUTPUT_DIRECTORY || /[*?[]/.test(path)) continue;
    if (producers(action, path).length > 0) continue;
    const others = actions.filter((other) => other !== action && producers(other, path).length > 0);
    if (others.length === 0) {
      d.warn(`Action ${action.id} refers to ${path}, which no action lists in its outputs`, at);
    } else if (!others.some((other) => needed.has(other.id))) {
      const names = others.map((other) => other.id);
      d.warn(
        `Action ${action.id} refers to ${path}, which ${names.join(" and ")} produces, but does not list ${names.length === 1 ? "it" : "them"} in \`needs\``,
        at,
        `add ${names.map((n) => `\`${n}\``).join(" or ")} to \`needs\``,
      );
    }
  }
}

/** The outputs of `action` that are `path`, or lie under it when it names a directory. */
function producers(action: ActionDraft, path: string): OutputEntry[] {
  const directory = `${path.replace(/\/+$/, "")}/`;
  return allEntries(action.outputs ?? []).filter(
    (entry) => fnmatchRegExp(entry.pattern).test(path) || entry.pattern.startsWith(directory),
  );
}

/**
 * Upstream only rejects two identical patterns; a wildcard pattern that also matches another
 * action's file means both claim it, and the later run overwrites the other's output.
 */
function checkOverlappingOutputs(d: Diagnostics, actions: readonly ActionDraft[]): void {
  for (const action of actions) {
    for (const entry of allEntries(action.outputs ?? [])) {
      if (!/[*?[]/.test(entry.pattern)) continue;
      const glob = fnmatchRegExp(entry.pattern);
      for (const other of actions) {
        if (other === action) continue;
        for (const claimed of allEntries(other.outputs ?? [])) {
          if (/[*?[]/.test(claimed.pattern) || !glob.test(claimed.pattern)) continue;
          d.warn(
            `Output pattern ${entry.pattern} of action ${action.id} also matches ${claimed.pattern}, an output of action ${other.id}`,
            valueAt(...entry.path),
          );
        }
      }
    }
  }
}
