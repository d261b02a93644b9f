/**
 * Entry point: project.yaml text -> validated Pipeline, with upstream's checks in upstream's order
 * and its messages verbatim. YAML errors carry the parser's message; validation errors carry
 * `Invalid project: \n<message>`, exactly what upstream's exception text looks like when no
 * filename is passed (as job-server and job-runner call it).
 */
import { buildAction, type BuiltAction } from "./action-build.js";
import { checkActionNamesArePathSafe } from "./action-names.js";
import { isDatabaseAction } from "./database-action.js";
import { readExpectations } from "./expectations.js";
import { checkNeedsTargetsExist, checkNoDependencyCycles } from "./needs-graph.js";
import { allPatterns, type OutputLevel } from "./outputs.js";
import { pyStr } from "./python-format.js";
import { JsonKeyError } from "./python-json.js";
import { featureFlags, readVersion, type FeatureFlags } from "./project-version.js";
import { RUN_ALL, checkRunAllName } from "./run-all.js";
import { buildCommandLine } from "./run-command.js";
import { ProjectValidationError, type ActionSpec, type Pipeline, type PrivacyLevel } from "./types.js";
import { UnprefixedFailure, ValidationFailure, fail, isMapping, lookup, rejectUnexpectedKeys } from "./validation-failure.js";
import { loadYaml } from "./yaml-load.js";
import { toPlainJs } from "./yaml-value.js";

export const INVALID_PROJECT_PREFIX = "Invalid project: \n";

export function parseProject(yamlText: string): Pipeline {
  const document = loadYaml(yamlText);
  try {
    return validateProject(document);
  } catch (err) {
    if (err instanceof UnprefixedFailure) throw new ProjectValidationError(err.message);
    if (err instanceof ValidationFailure) {
      throw new ProjectValidationError(INVALID_PROJECT_PREFIX + err.message, err.message);
    }
    throw err;
  }
}

function validateProject(document: ReturnType<typeof loadYaml>): Pipeline {
  // Upstream crashes with a TypeError here; the message is ours.
  if (!isMapping(document)) fail("Project file must be a dictionary of key/value pairs");
  rejectUnexpectedKeys(document, ["version", "actions", "expectations"], "project");
  const warnings: string[] = [];
  const { version, warning } = readVersion(lookup(document, "version"));
  if (warning !== null) warnings.push(warning);
  const flags = featureFlags(version);

  const actionsValue = lookup(document, "actions");
  if (!isMapping(actionsValue)) fail("Project `actions` section must be a dictionary of key/value pairs");
  const built: BuiltAction[] = [];
  for (const [key, value] of actionsValue) {
    const id = pyStr(key);
    const runAllWarning = checkRunAllName(id, flags);
    if (runAllWarning !== null) warnings.push(runAllWarning);
    built.push(buildAction(id, value));
  }

  checkProjectWideRules(built, flags);
  const populationSize = readExpectations(flags, lookup(document, "expectations"));
  // Ours, not upstream's: reject dependency cycles (see needs-graph.ts). Run last, so that any
  // project upstream rejects still gets upstream's message.
  checkNoDependencyCycles(built);
  checkActionNamesArePathSafe(built.map((action) => action.id));

  const actions = new Map<string, ActionSpec>();
  for (const action of built) {
    if (action.id === RUN_ALL) continue;
    actions.set(action.id, toActionSpec(action));
  }
  return { version, actions, warnings, populationSize };
}

function checkProjectWideRules(built: readonly BuiltAction[], flags: FeatureFlags): void {
  if (flags.removeCohortExtractor) {
    for (const a of built) {
      if ((a.run.parts[0] ?? "").startsWith("cohortextractor")) {
        fail(`Action ${a.id} uses cohortextractor actions, which are not supported in this version.`);
      }
    }
  }
  if (flags.removeLatestTag) {
    for (const a of built) {
      const first = a.run.parts[0] ?? "";
      if (first.endsWith(":latest")) {
        fail(`Action ${a.id} uses \`${first}\`, which is not supported. Provide a version e.g. \`:v2\` instead`);
      }
    }
  }
  const runSeen = new Map<string, string>();
  for (const a of built) {
    const earlier = runSeen.get(a.run.raw);
    if (earlier !== undefined) fail(`Action ${a.id} has the same 'run' command as other actions: ${earlier}`);
    runSeen.set(a.run.raw, a.id);
  }
  if (flags.uniqueOutputPath) {
    const patternsSeen = new Set<string>();
    for (const pattern of built.flatMap((a) => allPatterns(a.outputs))) {
      if (patternsSeen.has(pattern)) fail(`Output path ${pattern} is not unique`);
      patternsSeen.add(pattern);
    }
  }
  checkNeedsTargetsExist(built);
}

function commandLineFor(action: BuiltAction): string {
  try {
    return buildCommandLine(action.run.parts, action.config);
  } catch (err) {
    // Upstream accepts such a config and job-runner then crashes in json.dumps; ours.
    if (err instanceof JsonKeyError) fail(`\`config\` section for action ${action.id} cannot be passed as JSON: ${err.message}`);
    throw err;
  }
}

function toActionSpec(action: BuiltAction): ActionSpec {
  const spec: ActionSpec = {
    name: action.id,
    run: action.run,
    runCommand: commandLineFor(action),
    needs: action.needs,
    outputs: outputsRecord(action.outputs),
    isDatabaseAction: isDatabaseAction(action.run.parts),
    ...(action.config === null ? {} : { config: toPlainJs(action.config) }),
    ...(action.dummyDataFile === null ? {} : { dummyDataFile: action.dummyDataFile }),
  };
  return spec;
}

function outputsRecord(levels: readonly OutputLevel[]): Partial<Record<PrivacyLevel, Record<string, string>>> {
  const record: Partial<Record<PrivacyLevel, Record<string, string>>> = {};
  for (const { level, entries } of levels) {
    record[level] = Object.fromEntries(entries.map((e) => [e.id, e.pattern]));
  }
  return record;
}
