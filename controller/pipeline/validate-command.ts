/**
 * `rap validate [--json] <project.yaml>`: report whether a project file is valid.
 *
 * Human output: `<file> is valid: N actions` or `<file> is invalid: <message>` (warnings go to
 * stderr). With --json, exactly one line: `{"valid": true}` or `{"valid": false, "error": "…"}`,
 * spaced like Python's json.dumps, where the error is upstream's exception text.
 * Exit status: 0 valid, 1 invalid, 2 usage error or unreadable file.
 */
import { parseProject } from "./parse-project.js";
import { pyJsonString } from "./python-json.js";
import { ProjectValidationError, type Pipeline } from "./types.js";

export interface ValidateIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  readonly readFile: (path: string) => string;
}

export const VALIDATE_USAGE = "usage: rap validate [--json] <project.yaml>";

export const EXIT_VALID = 0;
export const EXIT_INVALID = 1;
export const EXIT_USAGE = 2;

type ParsedArgs =
  | { readonly kind: "check"; readonly json: boolean; readonly path: string }
  | { readonly kind: "help" }
  | { readonly kind: "usage-error"; readonly problem: string };

function usageError(problem: string): ParsedArgs {
  return { kind: "usage-error", problem };
}

function parseArgs(args: readonly string[]): ParsedArgs {
  let json = false;
  const paths: string[] = [];
  let optionsDone = false;
  for (const arg of args) {
    if (!optionsDone && arg === "--") optionsDone = true;
    else if (!optionsDone && arg === "--json") json = true;
    else if (!optionsDone && (arg === "--help" || arg === "-h")) return { kind: "help" };
    else if (!optionsDone && arg.startsWith("-") && arg !== "-") return usageError(`unknown option: ${arg}`);
    else paths.push(arg);
  }
  const [path, ...extra] = paths;
  if (path === undefined) return usageError("missing <project.yaml> argument");
  if (extra.length > 0) return usageError(`unexpected argument: ${extra[0] ?? ""}`);
  return { kind: "check", json, path };
}

function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function countActions(pipeline: Pipeline): string {
  const n = pipeline.actions.size;
  return `${n} action${n === 1 ? "" : "s"}`;
}

export function runValidateCommand(args: string[], io: ValidateIo): number {
  const parsed = parseArgs(args);
  if (parsed.kind === "help") {
    io.stdout(`${VALIDATE_USAGE}\n`);
    return EXIT_VALID;
  }
  if (parsed.kind === "usage-error") {
    io.stderr(`rap validate: ${parsed.problem}\n${VALIDATE_USAGE}\n`);
    return EXIT_USAGE;
  }
  let text: string;
  try {
    text = io.readFile(parsed.path);
  } catch (err) {
    io.stderr(`rap validate: cannot read ${parsed.path}: ${describeError(err)}\n`);
    return EXIT_USAGE;
  }

  let pipeline: Pipeline;
  try {
    pipeline = parseProject(text);
  } catch (err) {
    if (!(err instanceof ProjectValidationError)) throw err;
    if (parsed.json) io.stdout(`{"valid": false, "error": ${pyJsonString(err.message)}}\n`);
    else io.stdout(`${parsed.path} is invalid: ${err.detail}\n`);
    return EXIT_INVALID;
  }
  if (parsed.json) {
    io.stdout('{"valid": true}\n');
  } else {
    for (const warning of pipeline.warnings ?? []) io.stderr(`warning: ${warning}\n`);
    io.stdout(`${parsed.path} is valid: ${countActions(pipeline)}\n`);
  }
  return EXIT_VALID;
}
