/**
 * Resource weights (reference/jobrunner.md §4.7): how many worker slots a job takes, from the
 * optional file WORKDIR/job-resource-weights_<backend>.ini, read like upstream reads it:
 *
 *   [default]
 *   ehrql:v\d+\s+generate-measures.* = 4.5    # fully matched against the job's run command
 *   [<workspace name>]
 *   big_model_.* = 2                          # fully matched against the job's action name
 *
 * A workspace section is tried first (first matching pattern wins), then `[default]`, then the
 * weight is 1. Weights are floats. Upstream's quirk is kept deliberately: the INI parser
 * lower-cases option names, so patterns are lower-cased before they are compiled; `\S`, `\D`,
 * `\W` and `\B` silently become `\s`, `\d`, `\w` and `\b`, and upper-case letters never match.
 * Keeping it means a weights file behaves exactly as it did under upstream.
 *
 * Patterns are Python regular expressions. After lower-casing, the constructs whose spelling
 * differs in JavaScript are gone (`(?P<…>` becomes `(?p<…>`, which both languages reject), so they
 * compile as written, apart from leading inline flags such as `(?i)`, which become RegExp flags. A
 * bad pattern or weight stops the controller at start-up, as upstream's import-time parse does.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { CapacityJob, WeightOf } from "./capacity.js";
import { IniError, parseIni, type IniSections } from "./ini-file.js";

export class ResourceWeightsError extends Error {
  override readonly name = "ResourceWeightsError";
}

interface WeightRule {
  readonly pattern: string;
  readonly regex: RegExp;
  readonly weight: number;
}

/** Backend slug -> section name -> rules in file order. */
export type ResourceWeights = ReadonlyMap<string, ReadonlyMap<string, readonly WeightRule[]>>;

/** Python's float() for ASCII input: optional sign, decimal or exponent form, `_` between digits, inf. */
const PYTHON_FLOAT = /^[+-]?(?:(?:\d(?:_?\d)*)?\.?\d(?:_?\d)*(?:[eE][+-]?\d(?:_?\d)*)?|\d(?:_?\d)*\.|inf(?:inity)?)$/i;

function parseWeight(text: string, where: string): number {
  const trimmed = text.trim();
  if (!PYTHON_FLOAT.test(trimmed)) throw new ResourceWeightsError(`${where}: could not convert string to float: '${text}'`);
  const value = Number(trimmed.replaceAll("_", "").replace(/inf(inity)?/i, "Infinity"));
  // Upstream would accept these too, and its capacity arithmetic would then misbehave; we refuse them.
  if (!Number.isFinite(value) || value < 0)
    throw new ResourceWeightsError(`${where}: weight must be a finite number >= 0, got '${text}'`);
  return value;
}

/** A JavaScript regex that succeeds exactly where Python's `re.fullmatch(pattern, text)` would. */
export function pythonFullMatcher(pattern: string): RegExp {
  let body = pattern;
  let flags = "";
  const inline = /^\(\?([ims]+)\)/.exec(body);
  if (inline?.[1]) {
    flags = [...new Set(inline[1])].join("");
    body = body.slice(inline[0].length);
  }
  // Sticky at 0 plus "nothing after" is a full match even with the m flag or a newline in the text.
  return new RegExp(`(?:${body})(?![\\s\\S])`, `${flags}y`);
}

function fullMatches(regex: RegExp, text: string): boolean {
  regex.lastIndex = 0;
  return regex.test(text);
}

function rulesOf(sections: IniSections, source: string): Map<string, WeightRule[]> {
  const result = new Map<string, WeightRule[]>();
  for (const [section, options] of sections) {
    const rules: WeightRule[] = [];
    for (const [pattern, value] of options) {
      const where = `${source} [${section}] ${pattern}`;
      let regex: RegExp;
      try {
        regex = pythonFullMatcher(pattern);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new ResourceWeightsError(`${where}: invalid regular expression: ${reason}`);
      }
      rules.push({ pattern, regex, weight: parseWeight(value, where) });
    }
    result.set(section, rules);
  }
  return result;
}

/** Parses one backend's weights file text. */
export function parseResourceWeights(text: string, source: string): ReadonlyMap<string, readonly WeightRule[]> {
  try {
    return rulesOf(parseIni(text, source), source);
  } catch (error) {
    if (error instanceof IniError) throw new ResourceWeightsError(error.message);
    throw error;
  }
}

/**
 * Reads WORKDIR/job-resource-weights_<backend>.ini for every backend that has one. Called once at
 * start-up: editing a file takes effect when the controller restarts.
 */
export function loadResourceWeights(workdir: string, backends: readonly string[]): ResourceWeights {
  const weights = new Map<string, ReadonlyMap<string, readonly WeightRule[]>>();
  for (const backend of backends) {
    const file = join(workdir, `job-resource-weights_${backend.toLowerCase()}.ini`);
    if (existsSync(file)) weights.set(backend, parseResourceWeights(readFileSync(file, "utf8"), file));
  }
  return weights;
}

/** Upstream's get_job_resource_weight. */
export function jobWeight(weights: ResourceWeights, job: CapacityJob): number {
  const sections = weights.get(job.backend);
  if (!sections) return 1;
  for (const rule of sections.get(job.workspace) ?? []) {
    if (fullMatches(rule.regex, job.action)) return rule.weight;
  }
  for (const rule of sections.get("default") ?? []) {
    if (fullMatches(rule.regex, job.runCommand)) return rule.weight;
  }
  return 1;
}

/** The scheduler's weight function for a set of weights. */
export function weightOfJobs(weights: ResourceWeights): WeightOf {
  return (job) => jobWeight(weights, job);
}
