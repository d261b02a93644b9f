/**
 * The `outputs` section of an action: privacy level -> output id -> path pattern.
 * Checks run in upstream's order: at least one level given, no unknown levels, then each level
 * (highly, moderately, minimally) for its type, each pattern's type and the pattern rules.
 */
import { outputPatternProblem } from "./output-pattern.js";
import { pyStr } from "./python-format.js";
import type { PrivacyLevel } from "./types.js";
import { fail, isMapping, lookup, rejectUnexpectedKeys, requireString } from "./validation-failure.js";
import type { YamlMap } from "./yaml-value.js";

export const PRIVACY_LEVELS: readonly PrivacyLevel[] = ["highly_sensitive", "moderately_sensitive", "minimally_sensitive"];

export interface OutputEntry {
  readonly id: string;
  readonly pattern: string;
}

/** One declared privacy level, with its outputs in file order (possibly none). */
export interface OutputLevel {
  readonly level: PrivacyLevel;
  readonly entries: readonly OutputEntry[];
}

export function buildOutputs(actionId: string, outputs: YamlMap): OutputLevel[] {
  const given = PRIVACY_LEVELS.map((level) => ({ level, value: lookup(outputs, level) }));
  if (given.every((g) => g.value === null)) {
    fail(`must specify at least one output of: ${PRIVACY_LEVELS.join(", ")}`);
  }
  rejectUnexpectedKeys(outputs, PRIVACY_LEVELS, `\`outputs\` section for action ${actionId}`);

  const levels: OutputLevel[] = [];
  for (const { level, value } of given) {
    if (value === null) continue;
    if (!isMapping(value)) fail(`\`${level}\` section for action ${actionId} must be a dictionary of key/value pairs`);
    const entries: OutputEntry[] = [];
    for (const [rawId, rawPattern] of value) {
      const id = pyStr(rawId);
      const pattern = requireString(rawPattern, `\`${id}\` output for action ${actionId}`);
      const problem = outputPatternProblem(pattern, level);
      if (problem !== null) fail(`Output path ${pattern} is invalid: ${problem}`);
      entries.push({ id, pattern });
    }
    levels.push({ level, entries });
  }
  return levels;
}

/** Every pattern of an action, levels in order highly, moderately, minimally. */
export function allPatterns(levels: readonly OutputLevel[]): string[] {
  return levels.flatMap((l) => l.entries.map((e) => e.pattern));
}

export function patternsAt(levels: readonly OutputLevel[], level: PrivacyLevel): string[] {
  return levels.find((l) => l.level === level)?.entries.map((e) => e.pattern) ?? [];
}
