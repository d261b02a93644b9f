/**
 * Validation of one action's configuration, in upstream's order: value is a mapping, `run` and
 * `outputs` present, no unknown keys, field types, outputs, run, needs, command output rules.
 * In "all" mode (diagnostics.ts) a part that fails is left null and the checks that do not need
 * it still run, so one pass reports every independent problem of the action.
 */
import { checkCommandOutputRules } from "./command-output-rules.js";
import type { Diagnostics } from "./diagnostics.js";
import { buildOutputs, type OutputLevel } from "./outputs.js";
import { pyStr } from "./python-format.js";
import { parseRunCommand } from "./run-command.js";
import type { RunCommand } from "./types.js";
import { rejectUnexpectedKeys } from "./unexpected-keys.js";
import {
  ValidationFailure,
  fail,
  isList,
  isMapping,
  keyAt,
  lookup,
  requireMapping,
  requireString,
  valueAt,
} from "./validation-failure.js";
import type { YamlMap, YamlValue } from "./yaml-value.js";

const ACTION_KEYS = ["run", "outputs", "needs", "config", "dummy_data_file"] as const;

/** A `needs` entry and its index in the list as written. */
export interface Need {
  readonly name: string;
  readonly index: number;
}

/** An action as far as it validated: a part that failed is null (only ever in "all" mode). */
export interface ActionDraft {
  readonly id: string;
  /** The action's key as written, for locating diagnostics. */
  readonly key: YamlValue;
  readonly run: RunCommand | null;
  readonly needs: readonly Need[];
  readonly outputs: readonly OutputLevel[] | null;
  readonly config: YamlMap | null;
  readonly dummyDataFile: string | null;
  /** No error was found in the action itself (so advice about it is not built on guesses). */
  readonly complete: boolean;
}

export function buildAction(d: Diagnostics, id: string, key: YamlValue, value: YamlValue): ActionDraft {
  const path = ["actions", key];
  const errorsBefore = d.errorCount;
  const spec = requireMapping(value, `Configuration for action ${id}`, valueAt(...path));
  for (const required of ["run", "outputs"]) {
    if (!spec.has(required)) {
      d.report(new ValidationFailure(`Action ${id} must contain a configuration for '${required}'`, keyAt(...path)));
    }
  }
  rejectUnexpectedKeys(d, spec, ACTION_KEYS, `action ${id}`, path);

  const at = (key: string) => valueAt(...path, key);
  const present = (key: string) => spec.has(key);
  const outputsValue = present("outputs")
    ? d.check(() => requireMapping(lookup(spec, "outputs"), `\`outputs\` section for action ${id}`, at("outputs")))
    : null;
  const runText = present("run")
    ? d.check(() => requireString(lookup(spec, "run"), `\`run\` section for action ${id}`, at("run")))
    : null;
  const needsValue = d.check(() => {
    const needs = lookup(spec, "needs");
    if (needs !== null && !isList(needs)) fail(`\`needs\` section for action ${id} must be a list`, at("needs"));
    return needs ?? [];
  });
  const configValue = d.check(() => {
    const config = lookup(spec, "config");
    if (config !== null && !isMapping(config))
      fail(`\`config\` section for action ${id} must be a dictionary of key/value pairs`, at("config"));
    return config;
  });
  const dummyValue = d.check(() => {
    const dummy = lookup(spec, "dummy_data_file");
    if (dummy !== null && typeof dummy !== "string")
      fail(`\`dummy_data_file\` section for action ${id} must be a string`, at("dummy_data_file"));
    return dummy;
  });

  const errorsBeforeOutputs = d.errorCount;
  const outputs = outputsValue === null ? null : d.check(() => buildOutputs(d, id, outputsValue, [...path, "outputs"]));
  const outputsComplete = outputs !== null && d.errorCount === errorsBeforeOutputs;
  const run = runText === null ? null : d.check(() => parseRunCommand(id, runText, at("run")));
  const needs = isList(needsValue) ? readNeeds(d, id, needsValue, [...path, "needs"]) : [];
  if (run !== null && outputs !== null && outputsComplete) {
    d.check(() => checkCommandOutputRules(id, run, outputs, { run: [...path, "run"], outputs: [...path, "outputs"] }));
  }
  return {
    id,
    key,
    run,
    needs,
    outputs,
    config: isMapping(configValue) ? configValue : null,
    dummyDataFile: typeof dummyValue === "string" ? dummyValue : null,
    complete: d.errorCount === errorsBefore,
  };
}

function readNeeds(d: Diagnostics, id: string, items: readonly YamlValue[], path: readonly YamlValue[]): Need[] {
  const needs: Need[] = [];
  items.forEach((item, index) => {
    const name = d.check(() => {
      const at = valueAt(...path, index);
      // Upstream crashes (TypeError) on a non-string entry; this message is ours.
      if (typeof item !== "string")
        fail(`\`needs\` section for action ${id} must be a list of action names, got ${pyStr(item)}`, at);
      if (item.includes(" ")) {
        const hint = `did you mean [${item.split(" ").filter(Boolean).join(", ")}]?`;
        fail(`\`needs\` actions should be separated with commas, but ${id} needs \`${item}\``, at, hint);
      }
      return item;
    });
    if (name !== null) needs.push({ name, index });
  });
  return needs;
}
