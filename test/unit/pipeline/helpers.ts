// Small helpers shared by the pipeline tests.
import { parseProject } from "../../../controller/pipeline/parse-project.js";
import { ProjectValidationError, type ActionSpec } from "../../../controller/pipeline/types.js";

/** The message parseProject rejects `text` with; fails the test if it is accepted. */
export function rejectionMessage(text: string): string {
  try {
    parseProject(text);
  } catch (err) {
    if (err instanceof ProjectValidationError) return err.message;
    throw err;
  }
  throw new Error("expected the project to be rejected");
}

/** A v5 project with one action `a` built from the given YAML lines (indented 4 spaces). */
export function oneAction(lines: readonly string[], version = "5"): string {
  return [`version: ${version}`, "actions:", "  a:", ...lines.map((l) => `    ${l}`), ""].join("\n");
}

export function onlyAction(text: string, name = "a"): ActionSpec {
  const action = parseProject(text).actions.get(name);
  if (action === undefined) throw new Error(`no action ${name}`);
  return action;
}
