/**
 * Entry point: project.yaml text -> validated Pipeline, with upstream's checks in upstream's order
 * and its messages verbatim. YAML errors carry the parser's message; validation errors carry
 * `Invalid project: \n<message>`, exactly what upstream's exception text looks like when no
 * filename is passed (as job-server and job-runner call it).
 *
 * The same rules run for `rap validate` through `validateProject` in the collector's "all" mode
 * (diagnostics.ts), which records every failure instead of stopping at the first.
 */
import { buildAction, type ActionDraft } from "./action-build.js";
import { checkActionNamesArePathSafe } from "./action-names.js";
import { isDatabaseAction } from "./database-action.js";
import { Diagnostics } from "./diagnostics.js";
import { readExpectations } from "./expectations.js";
import { checkNeedsTargetsExist, checkNoDependencyCycles } from "./needs-graph.js";
import { allEntries, type OutputLevel } from "./outputs.js";
import { pyStr } from "./python-format.js";
import { JsonKeyError } from "./python-json.js";
import { featureFlags, readVersion, type FeatureFlags } from "./project-version.js";
import { RUN_ALL, checkRunAllName } from "./run-all.js";
import { buildCommandLine } from "./run-command.js";
import { ProjectValidationError, type ActionSpec, type Pipeline, type PrivacyLevel } from "./types.js";
import { rejectUnexpectedKeys } from "./unexpected-keys.js";
import { DOCUMENT, UnprefixedFailure, ValidationFailure, fail, isMapping, lookup, valueAt } from "./validation-failure.js";
import { readYaml } from "./yaml-load.js";
import { toPlainJs, type YamlValue } from "./yaml-value.js";

export const INVALID_PROJECT_PREFIX = "Invalid project: \n";

export function parseProject(yamlText: string): Pipeline {
  const loaded = readYaml(yamlText);
  const firstProblem = loaded.problems[0];
  if (firstProblem !== undefined) throw new ProjectValidationError(firstProblem.message);
  try {
    const { pipeline } = validateProject(new Diagnostics("first"), loaded.value);
    if (pipeline === null) throw new Error("validation in first-error mode ended without a pipeline or an error");
    return pipeline;
  } catch (err) {
    if (err instanceof UnprefixedFailure) throw new ProjectValidationError(err.message);
    if (err instanceof ValidationFailure) {
      throw new ProjectValidationError(INVALID_PROJECT_PREFIX + err.message, err.message);
    }
    throw err;
  }
}

export interface ValidatedProject {
  /** Null when any error was recorded. */
  readonly pipeline: Pipeline | null;
  /** Every action as far as it validated, in file order (for `rap validate`'s advice). */
  readonly actions: readonly ActionDraft[];
  /** The project's version, when it could be read. */
  readonly version: number | null;
}

/** Runs every rule, reporting through `d`; in "first" mode the first failure is thrown. */
export function validateProject(d: Diagnostics, document: YamlValue): ValidatedProject {
  const drafts: ActionDraft[] = [];
  const seen: { version: number | null } = { version: null };
  const pipeline = d.check(() => validateDocument(d, document, drafts, seen));
  return { pipeline: d.errorCount === 0 ? pipeline : null, actions: drafts, version: seen.version };
}

function validateDocument(
  d: Diagnostics,
  document: YamlValue,
  drafts: ActionDraft[],
  seen: { version: number | null },
): Pipeline | null {
  // Upstream crashes with a TypeError here; the message is ours.
  if (!isMapping(document)) fail("Project file must be a dictionary of key/value pairs", DOCUMENT);
  rejectUnexpectedKeys(d, document, ["version", "actions", "expectations"], "project", []);
  const warnings: string[] = [];
  const warn = (message: string, at = valueAt("version")) => {
    warnings.push(message);
    d.warn(message, at);
  };
  const versionRead = d.check(() => readVersion(lookup(document, "version")));
  seen.version = versionRead?.version ?? null;
  // Without a readable version the version-dependent rules cannot be applied, so they are skipped.
  const flags = versionRead === null ? null : d.check(() => featureFlags(versionRead.version));
  // (A version above the latest is an error, not an "old version".)
  if (flags !== null && versionRead?.warning) warn(versionRead.warning);

  const actionsValue = d.check(() => {
    const value = lookup(document, "actions");
    if (!isMapping(value)) {
      fail(
        "Project `actions` section must be a dictionary of key/value pairs",
        document.has("actions") ? valueAt("actions") : DOCUMENT,
      );
    }
    return value;
  });
  for (const [key, value] of actionsValue ?? []) {
    const id = pyStr(key);
    if (flags !== null) {
      const runAllWarning = d.check(() => checkRunAllName(id, flags));
      if (runAllWarning) warn(runAllWarning, valueAt("actions", key));
    }
    drafts.push(d.check(() => buildAction(d, id, key, value)) ?? unbuilt(id, key));
  }

  checkProjectWideRules(d, drafts, flags);
  const populationSize = flags === null ? null : d.check(() => readExpectations(d, flags, lookup(document, "expectations")));
  // Ours, not upstream's: reject dependency cycles (see needs-graph.ts). Run last, so that any
  // project upstream rejects still gets upstream's message.
  checkNoDependencyCycles(d, drafts);
  checkActionNamesArePathSafe(d, drafts);

  const actions = new Map<string, ActionSpec>();
  for (const action of drafts) {
    if (action.id === RUN_ALL) continue;
    const spec = d.check(() => toActionSpec(action));
    if (spec !== null) actions.set(action.id, spec);
  }
  if (d.errorCount > 0 || versionRead === null) return null;
  return { version: versionRead.version, actions, warnings, populationSize };
}

/** An action whose configuration is not even a mapping: known by name only. */
function unbuilt(id: string, key: YamlValue): ActionDraft {
  return { id, key, run: null, needs: [], outputs: null, config: null, dummyDataFile: null, complete: false };
}

function checkProjectWideRules(d: Diagnostics, drafts: readonly ActionDraft[], flags: FeatureFlags | null): void {
  const runAt = (a: ActionDraft) => valueAt("actions", a.key, "run");
  const withRun = drafts.flatMap((a) => (a.run === null ? [] : [{ action: a, run: a.run }]));
  if (flags?.removeCohortExtractor) {
    for (const { action, run } of withRun) {
      if ((run.parts[0] ?? "").startsWith("cohortextractor")) {
        d.report(
          new ValidationFailure(
            `Action ${action.id} uses cohortextractor actions, which are not supported in this version.`,
            runAt(action),
          ),
        );
      }
    }
  }
  if (flags?.removeLatestTag) {
    for (const { action, run } of withRun) {
      const first = run.parts[0] ?? "";
      if (first.endsWith(":latest")) {
        const message = `Action ${action.id} uses \`${first}\`, which is not supported. Provide a version e.g. \`:v2\` instead`;
        d.report(new ValidationFailure(message, runAt(action)));
      }
    }
  }
  const runSeen = new Map<string, string>();
  for (const { action, run } of withRun) {
    const earlier = runSeen.get(run.raw);
    if (earlier !== undefined) {
      d.report(
        new ValidationFailure(`Action ${action.id} has the same 'run' command as other actions: ${earlier}`, runAt(action)),
      );
    } else {
      runSeen.set(run.raw, action.id);
    }
  }
  if (flags?.uniqueOutputPath) {
    const patternsSeen = new Set<string>();
    for (const entry of drafts.flatMap((a) => allEntries(a.outputs ?? []))) {
      if (patternsSeen.has(entry.pattern))
        d.report(new ValidationFailure(`Output path ${entry.pattern} is not unique`, valueAt(...entry.path)));
      patternsSeen.add(entry.pattern);
    }
  }
  checkNeedsTargetsExist(d, drafts);
}

function commandLineFor(action: ActionDraft, parts: readonly string[]): string {
  try {
    return buildCommandLine(parts, action.config);
  } catch (err) {
    // Upstream accepts such a config and job-runner then crashes in json.dumps; ours.
    if (err instanceof JsonKeyError) {
      fail(
        `\`config\` section for action ${action.id} cannot be passed as JSON: ${err.message}`,
        valueAt("actions", action.key, "config"),
      );
    }
    throw err;
  }
}

/** Null for an action that did not validate (its errors are already recorded). */
function toActionSpec(action: ActionDraft): ActionSpec | null {
  const { run, outputs } = action;
  if (run === null || outputs === null) return null;
  return {
    name: action.id,
    run,
    runCommand: commandLineFor(action, run.parts),
    needs: action.needs.map((n) => n.name),
    outputs: outputsRecord(outputs),
    isDatabaseAction: isDatabaseAction(run.parts),
    ...(action.config === null ? {} : { config: toPlainJs(action.config) }),
    ...(action.dummyDataFile === null ? {} : { dummyDataFile: action.dummyDataFile }),
  };
}

function outputsRecord(levels: readonly OutputLevel[]): Partial<Record<PrivacyLevel, Record<string, string>>> {
  const record: Partial<Record<PrivacyLevel, Record<string, string>>> = {};
  for (const { level, entries } of levels) {
    record[level] = Object.fromEntries(entries.map((e) => [e.id, e.pattern]));
  }
  return record;
}
