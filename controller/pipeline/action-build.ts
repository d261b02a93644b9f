/**
 * Validation of one action's configuration, in upstream's order: value is a mapping, `run` and
 * `outputs` present, no unknown keys, field types, outputs, run, needs, command output rules.
 */
import { checkCommandOutputRules } from "./command-output-rules.js";
import { buildOutputs, type OutputLevel } from "./outputs.js";
import { pyStr } from "./python-format.js";
import { parseRunCommand } from "./run-command.js";
import type { RunCommand } from "./types.js";
import { fail, isList, isMapping, lookup, rejectUnexpectedKeys, requireMapping, requireString } from "./validation-failure.js";
import type { YamlMap, YamlValue } from "./yaml-value.js";

const ACTION_KEYS = ["run", "outputs", "needs", "config", "dummy_data_file"] as const;

export interface BuiltAction {
  readonly id: string;
  readonly run: RunCommand;
  readonly needs: readonly string[];
  readonly outputs: readonly OutputLevel[];
  readonly config: YamlMap | null;
  readonly dummyDataFile: string | null;
}

export function buildAction(id: string, value: YamlValue): BuiltAction {
  const spec = requireMapping(value, `Configuration for action ${id}`);
  for (const key of ["run", "outputs"]) {
    if (!spec.has(key)) fail(`Action ${id} must contain a configuration for '${key}'`);
  }
  rejectUnexpectedKeys(spec, ACTION_KEYS, `action ${id}`);

  const outputsValue = requireMapping(lookup(spec, "outputs"), `\`outputs\` section for action ${id}`);
  const runText = requireString(lookup(spec, "run"), `\`run\` section for action ${id}`);
  const needsValue = lookup(spec, "needs");
  if (needsValue !== null && !isList(needsValue)) fail(`\`needs\` section for action ${id} must be a list`);
  const configValue = lookup(spec, "config");
  if (configValue !== null && !isMapping(configValue)) {
    fail(`\`config\` section for action ${id} must be a dictionary of key/value pairs`);
  }
  const dummyValue = lookup(spec, "dummy_data_file");
  if (dummyValue !== null && typeof dummyValue !== "string") {
    fail(`\`dummy_data_file\` section for action ${id} must be a string`);
  }

  const outputs = buildOutputs(id, outputsValue);
  const run = parseRunCommand(id, runText);
  const needs = readNeeds(id, needsValue ?? []);
  checkCommandOutputRules(id, run, outputs);
  return { id, run, needs, outputs, config: configValue, dummyDataFile: dummyValue };
}

function readNeeds(id: string, items: readonly YamlValue[]): string[] {
  return items.map((item) => {
    // Upstream crashes (TypeError) on a non-string entry; this message is ours.
    if (typeof item !== "string") fail(`\`needs\` section for action ${id} must be a list of action names, got ${pyStr(item)}`);
    if (item.includes(" ")) fail(`\`needs\` actions should be separated with commas, but ${id} needs \`${item}\``);
    return item;
  });
}
