/**
 * The `run` string of an action: `<image>:<version> [args…]`, split shell-style. Also builds the
 * command line job-runner hands to the job, with `--config <json>` appended when configured.
 */
import { pyJsonDumps } from "./python-json.js";
import { shellJoin, shellSplit, ShellSyntaxError } from "./shell-words.js";
import type { RunCommand } from "./types.js";
import { fail, type Location } from "./validation-failure.js";
import type { YamlMap } from "./yaml-value.js";

/**
 * Accepted image versions. Python's `$` also matches before one trailing newline, hence `\n?`;
 * Python's `\d` is any Unicode decimal digit, hence `\p{Nd}`.
 */
const VERSION_PATTERN = /^((v[\p{Nd}.]+(-pre)?)|dev|latest)\n?$/u;

export function isValidImageVersion(version: string): boolean {
  return VERSION_PATTERN.test(version);
}

/**
 * Upstream fails with a raw Python exception for unbalanced quotes or a whitespace-only `run`;
 * these are our clean replacements for those crashes (the wording is ours).
 */
function splitRun(actionId: string, raw: string, at: Location): string[] {
  let parts: string[];
  try {
    parts = shellSplit(raw);
  } catch (err) {
    if (err instanceof ShellSyntaxError) fail(`\`run\` section for action ${actionId} cannot be parsed: ${err.message}`, at);
    throw err;
  }
  if (parts.length === 0) fail(`run must have a value, ${actionId} has an empty run key`, at);
  return parts;
}

/** `at` is where the `run` value is written. */
export function parseRunCommand(actionId: string, raw: string, at: Location): RunCommand {
  if (raw === "") fail(`run must have a value, ${actionId} has an empty run key`, at);
  const parts = splitRun(actionId, raw, at);
  const first = parts[0] ?? "";
  const colon = first.indexOf(":");
  const name = colon === -1 ? first : first.slice(0, colon);
  const version = colon === -1 ? "" : first.slice(colon + 1);
  if (!isValidImageVersion(version)) {
    fail(`Action command ${name} must have a version specified in the form :vN (e.g. ${name}:v2)`, at);
  }
  return { raw, parts, name, version, args: parts.slice(1) };
}

/**
 * job-runner's command line for an action: the split `run` words, plus `--config` and the JSON of
 * a non-empty `config` (with `'` written as the JSON escape \u0027), all re-quoted shell-style.
 */
export function buildCommandLine(parts: readonly string[], config: YamlMap | null): string {
  const words = [...parts];
  if (config !== null && config.size > 0) {
    words.push("--config", pyJsonDumps(config).replaceAll("'", "\\u0027"));
  }
  return shellJoin(words);
}
