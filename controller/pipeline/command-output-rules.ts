/**
 * Output rules tied to particular commands, matched (like upstream) by regex on the raw `run`
 * text: cohortextractor `generate_cohort`, and ehrQL/databuilder `generate-dataset`.
 * The regexes want exactly one space after `image:tag`, so folded multi-line commands skip them.
 */
import { allPatterns, patternsAt, type OutputLevel } from "./outputs.js";
import { purePathName, purePathParent, purePathText, purePathWithName } from "./python-path.js";
import type { RunCommand } from "./types.js";
import { fail, valueAt } from "./validation-failure.js";
import type { YamlValue } from "./yaml-value.js";

const GENERATE_COHORT = /^cohortextractor:\S+ generate_cohort/u;
const GENERATE_DATASET = /^(ehrql|databuilder):\S+ generate[-_]dataset/u;

/** Where an action's `run` and `outputs` values are written. */
export interface ActionPaths {
  readonly run: readonly YamlValue[];
  readonly outputs: readonly YamlValue[];
}

export function checkCommandOutputRules(
  actionId: string,
  run: RunCommand,
  outputs: readonly OutputLevel[],
  paths: ActionPaths,
): void {
  if (GENERATE_COHORT.test(run.raw)) checkGenerateCohort(actionId, run, outputs, paths);
  if (GENERATE_DATASET.test(run.raw)) checkGenerateDataset(actionId, run, outputs, paths);
}

function checkGenerateCohort(actionId: string, run: RunCommand, outputs: readonly OutputLevel[], paths: ActionPaths): void {
  if (outputs.length !== 1) {
    fail(
      `A \`generate_cohort\` action must have exactly one output; ${actionId} had ${outputs.length}`,
      valueAt(...paths.outputs),
    );
  }
  // Upstream collects the directories in a set (unordered); first-seen order is used here.
  const dirs = [...new Set(allPatterns(outputs).map(purePathParent))];
  if (dirs.length === 1) return;
  const explicitDir = run.parts.some((p) => p === "--output-dir" || p.startsWith("--output-dir="));
  if (explicitDir) return;
  fail(
    `generate_cohort command should produce output in only one directory, found ${dirs.length}:\n` +
      dirs.map((d) => ` - ${d}/`).join("\n"),
    valueAt(...paths.outputs),
  );
}

function checkGenerateDataset(actionId: string, run: RunCommand, outputs: readonly OutputLevel[], paths: ActionPaths): void {
  const lowerLevelsUsed = outputs.some((l) => l.level !== "highly_sensitive" && l.entries.length > 0);
  if (lowerLevelsUsed) {
    fail(
      `\`${actionId}\` action uses \`generate-dataset\` and so all outputs must be labelled \`highly_sensitive\``,
      valueAt(...paths.outputs),
    );
  }
  const spec = outputArgument(run.parts);
  if (spec === null || spec === "") {
    fail(
      `\`${actionId}\` action does not provide an \`--output\` argument specifying where the results of ` +
        "`generate-dataset` should be stored",
      valueAt(...paths.run),
    );
  }
  const patterns = patternsAt(outputs, "highly_sensitive");
  if (patternsMatchSpec(spec, patterns)) return;
  fail(
    "output specification must match the `--output` argument in the `run` command\n" +
      `              got: ${patterns.join("                   \n")}\n` +
      `but was expecting: ${expectedPattern(spec)}`,
    valueAt(...paths.outputs),
  );
}

/** The value of the first `--output X` or `--output=X`; `--output` as the last word gives "". */
export function outputArgument(parts: readonly string[]): string | null {
  for (let i = 0; i < parts.length; i++) {
    const word = parts[i] ?? "";
    if (word === "--output") return parts[i + 1] ?? "";
    if (word.startsWith("--output=")) return word.slice("--output=".length);
  }
  return null;
}

/** ehrQL's `<dir>:<ext>` form: returns [directory, ".ext"], or [path, ""] for a plain file. */
function splitDirectoryAndExtension(spec: string): [string, string] {
  const name = purePathName(spec);
  const colon = name.lastIndexOf(":");
  if (colon === -1) return [purePathText(spec), ""];
  const stem = name.slice(0, colon);
  const extension = `.${name.slice(colon + 1)}`;
  return [stem === "" ? purePathParent(spec) : purePathWithName(spec, stem), extension];
}

function patternsMatchSpec(spec: string, patterns: readonly string[]): boolean {
  const [directory, extension] = splitDirectoryAndExtension(spec);
  if (extension === "") return patterns.includes(spec);
  const glob = fnmatchRegExp(`${directory}/*${extension}`);
  return patterns.every((p) => glob.test(p));
}

function expectedPattern(spec: string): string {
  const [directory, extension] = splitDirectoryAndExtension(spec);
  return extension === "" ? spec : `${directory}/:${extension.slice(1)}`;
}

/** Python `fnmatch` semantics: `*` and `?` also match `/`; `[...]`/`[!...]` are classes. */
export function fnmatchRegExp(glob: string): RegExp {
  let out = "";
  let i = 0;
  while (i < glob.length) {
    const ch = glob.charAt(i++);
    if (ch === "*") {
      if (!out.endsWith(".*")) out += ".*";
    } else if (ch === "?") {
      out += ".";
    } else if (ch === "[") {
      let j = i;
      if (glob.charAt(j) === "!") j++;
      if (glob.charAt(j) === "]") j++;
      while (j < glob.length && glob.charAt(j) !== "]") j++;
      if (j >= glob.length) {
        out += "\\[";
        continue;
      }
      let body = glob.slice(i, j).replaceAll("\\", "\\\\");
      i = j + 1;
      if (body.startsWith("!")) body = `^${body.slice(1)}`;
      else if (body.startsWith("^")) body = `\\${body}`;
      out += `[${body.replaceAll("[", "\\[").replaceAll("]", "\\]")}]`;
    } else {
      out += ch.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    }
  }
  return new RegExp(`^(?:${out})$`, "su");
}
