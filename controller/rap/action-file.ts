/**
 * A reusable action's `action.yaml` (reference/jobrunner.md §4.5 step 5): the `run` command the
 * action's entry point is, which must use a built-in runtime and must not touch the database.
 * Problems here are the action author's, not the study author's, so upstream wraps them in
 * "invalid action, please open an issue on <repo>/issues" followed by the inner error, indented.
 */
import { UserActionableError } from "../jobs/errors.js";
import { isDatabaseAction } from "../pipeline/database-action.js";
import { ALLOWED_IMAGES } from "../pipeline/images.js";
import { shellSplit, ShellSyntaxError } from "../pipeline/shell-words.js";
import { ProjectValidationError } from "../pipeline/types.js";
import { isMapping } from "../pipeline/validation-failure.js";
import { loadYaml } from "../pipeline/yaml-load.js";
import type { YamlValue } from "../pipeline/yaml-value.js";

export { ALLOWED_IMAGES } from "../pipeline/images.js";

/** A reusable-action problem; the message is what job-server shows the user (upstream's text). */
export class ReusableActionError extends UserActionableError {}

/** What went wrong inside action.yaml, before wrapping: Python's exception class name and its text. */
interface InnerError {
  readonly className: string;
  readonly message: string;
}

/** Python's textwrap.indent: the prefix goes on every line that is not blank. */
function indent(text: string, prefix: string): string {
  return text
    .split(/(?<=\n)/)
    .map((line) => (line.trim() === "" ? line : prefix + line))
    .join("");
}

/**
 * Upstream reports YAML errors as `YAMLError: <ruamel class> <ruamel text>` with the file named
 * action.yaml. Duplicate keys follow ruamel's layout and class exactly; other syntax errors carry
 * our YAML parser's class and wording (as project.yaml's do, see controller/pipeline/README.md).
 */
function yamlError(error: ProjectValidationError): InnerError {
  const text = error.message.replaceAll('in "<unicode string>"', 'in "action.yaml"');
  const duplicate = text.startsWith("while constructing a mapping") && text.includes("found duplicate key");
  return { className: "YAMLError", message: `${duplicate ? "DuplicateKeyError" : "YAMLParseError"} ${text}` };
}

function reusableError(message: string): InnerError {
  return { className: "ReusableActionError", message };
}

function runArgsOrError(document: YamlValue): string[] | InnerError {
  // Upstream crashes on a document that is not a mapping (e.g. an empty file); we report the
  // missing key instead. A non-string or unsplittable `run`, or one without `image:tag`, also
  // crashes upstream; those messages are ours.
  if (!isMapping(document) || !document.has("run")) return reusableError("Missing `run` key in 'action.yaml'");
  const run = document.get("run");
  if (typeof run !== "string") return reusableError("`run` in 'action.yaml' must be a string");
  let args: string[];
  try {
    args = shellSplit(run);
  } catch (error) {
    if (error instanceof ShellSyntaxError) return reusableError(`\`run\` in 'action.yaml' cannot be parsed: ${error.message}`);
    throw error;
  }
  const imageAndTag = (args[0] ?? "").split(":");
  if (imageAndTag.length !== 2) return reusableError("`run` in 'action.yaml' must start with <image>:<tag>");
  const image = imageAndTag[0] ?? "";
  if (!ALLOWED_IMAGES.has(image)) return reusableError(`Unrecognised runtime: ${image}`);
  if (isDatabaseAction(args)) return reusableError("Re-usable actions cannot run commands which access the database");
  return args;
}

/**
 * The action's run command, split shell-style (`["python:v2", "python", "entry.py"]`), from the
 * text of its action.yaml. Throws ReusableActionError with upstream's wrapping on any problem.
 */
export function actionRunArgs(actionYaml: string, repoUrl: string): string[] {
  let outcome: string[] | InnerError;
  try {
    outcome = runArgsOrError(loadYaml(actionYaml));
  } catch (error) {
    if (!(error instanceof ProjectValidationError)) throw error;
    outcome = yamlError(error);
  }
  if (Array.isArray(outcome)) return outcome;
  throw new ReusableActionError(
    `invalid action, please open an issue on ${repoUrl}/issues\n\n${indent(`${outcome.className}: ${outcome.message}`, "  ")}`,
  );
}
