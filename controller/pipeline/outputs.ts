/**
 * The `outputs` section of an action: privacy level -> output id -> path pattern.
 * Checks run in upstream's order: at least one level given, no unknown levels, then each level
 * (highly, moderately, minimally) for its type, each pattern's type and the pattern rules.
 */
import type { Diagnostics } from "./diagnostics.js";
import { outputPatternProblem } from "./output-pattern.js";
import { pyStr } from "./python-format.js";
import type { PrivacyLevel } from "./types.js";
import { rejectUnexpectedKeys } from "./unexpected-keys.js";
import { ValidationFailure, fail, isMapping, lookup, requireString, valueAt } from "./validation-failure.js";
import type { YamlMap, YamlValue } from "./yaml-value.js";

export const PRIVACY_LEVELS: readonly PrivacyLevel[] = ["highly_sensitive", "moderately_sensitive", "minimally_sensitive"];

export interface OutputEntry {
  readonly id: string;
  readonly pattern: string;
  /** Where the pattern is written (for diagnostics). */
  readonly path: readonly YamlValue[];
}

/** One declared privacy level, with its outputs in file order (possibly none). */
export interface OutputLevel {
  readonly level: PrivacyLevel;
  readonly entries: readonly OutputEntry[];
}

/** `path` is where the `outputs` mapping is, e.g. ["actions", "a", "outputs"]. */
export function buildOutputs(d: Diagnostics, actionId: string, outputs: YamlMap, path: readonly YamlValue[]): OutputLevel[] {
  const given = PRIVACY_LEVELS.map((level) => ({ level, value: lookup(outputs, level) }));
  if (given.every((g) => g.value === null)) {
    // Reported without stopping, so that a misspelt level below still gets its "did you mean".
    d.report(new ValidationFailure(`must specify at least one output of: ${PRIVACY_LEVELS.join(", ")}`, valueAt(...path)));
  }
  rejectUnexpectedKeys(d, outputs, PRIVACY_LEVELS, `\`outputs\` section for action ${actionId}`, path);

  const levels: OutputLevel[] = [];
  for (const { level, value } of given) {
    if (value === null) continue;
    if (!isMapping(value)) {
      fail(`\`${level}\` section for action ${actionId} must be a dictionary of key/value pairs`, valueAt(...path, level));
    }
    const entries: OutputEntry[] = [];
    for (const [rawId, rawPattern] of value) {
      const entry = d.check(() => buildEntry(actionId, level, rawId, rawPattern, [...path, level, rawId]));
      if (entry !== null) entries.push(entry);
    }
    levels.push({ level, entries });
  }
  return levels;
}

function buildEntry(
  actionId: string,
  level: PrivacyLevel,
  rawId: YamlValue,
  rawPattern: YamlValue,
  path: YamlValue[],
): OutputEntry {
  const id = pyStr(rawId);
  const pattern = requireString(rawPattern, `\`${id}\` output for action ${actionId}`, valueAt(...path));
  const problem = outputPatternProblem(pattern, level);
  if (problem !== null) fail(`Output path ${pattern} is invalid: ${problem}`, valueAt(...path));
  return { id, pattern, path };
}

/** Every output of an action, levels in order highly, moderately, minimally. */
export function allEntries(levels: readonly OutputLevel[]): OutputEntry[] {
  return levels.flatMap((l) => l.entries);
}

/** Every pattern of an action, levels in order highly, moderately, minimally. */
export function allPatterns(levels: readonly OutputLevel[]): string[] {
  return allEntries(levels).map((e) => e.pattern);
}

export function patternsAt(levels: readonly OutputLevel[], level: PrivacyLevel): string[] {
  return levels.find((l) => l.level === level)?.entries.map((e) => e.pattern) ?? [];
}
