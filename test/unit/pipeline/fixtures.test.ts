// Table test over every fixture in test/fixtures/projects: the result upstream gives (from
// expected.json) must be reproduced exactly, apart from the deliberate deviations listed below.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseProject } from "../../../controller/pipeline/parse-project.js";
import { ProjectValidationError, type Pipeline } from "../../../controller/pipeline/types.js";

const DIR = fileURLToPath(new URL("../../fixtures/projects/", import.meta.url));

interface Expected {
  readonly valid: boolean;
  readonly header_lines: number;
  readonly exception?: string;
  readonly error?: string;
  readonly validation_message?: string;
  readonly actions?: readonly string[];
  readonly all_actions?: readonly string[];
  readonly database_actions?: readonly string[];
  readonly warnings?: readonly string[];
  readonly version?: number;
  readonly needs?: Readonly<Record<string, readonly string[]>>;
  readonly population_size?: number | null;
  readonly action_images?: readonly string[];
}

const expectations = JSON.parse(readFileSync(`${DIR}expected.json`, "utf8")) as Record<string, Expected>;

/** Where we deliberately differ from upstream; each value is our exact message. */
const DEVIATIONS: Readonly<Record<string, string>> = {
  // upstream crashes with a Python TypeError; we give a validation error of our own
  "invalid-top-level-not-mapping.project.yaml": "Invalid project: \nProject file must be a dictionary of key/value pairs",
  // upstream accepts cycles (and job-runner then recurses until it crashes); we reject them
  "quirk-valid-needs-cycle.project.yaml": "Invalid project: \nAction 'a' has a circular dependency: a -> b -> a",
  "quirk-valid-needs-self.project.yaml": "Invalid project: \nAction 'a' has a circular dependency: a -> a",
  // YAML syntax errors carry the parser's own wording, which differs between YAML libraries; the
  // position (line 5, column 4: the mis-indented key) is the one upstream names too
  "invalid-yaml-syntax-error.project.yaml":
    "All mapping items must start at the same column at line 5, column 4:\n\n    run: python:v2 analysis/a.py\n   outputs: [\n   ^",
};

function read(file: string): string {
  return readFileSync(`${DIR}${file}`, "utf8");
}

/** The body below the comment header: what upstream was run on (line numbers count from it). */
function body(file: string, headerLines: number): string {
  return read(file).split("\n").slice(headerLines).join("\n");
}

function rejection(text: string): ProjectValidationError {
  try {
    parseProject(text);
  } catch (err) {
    if (err instanceof ProjectValidationError) return err;
    throw err;
  }
  throw new Error("expected the project to be rejected");
}

function actionImages(pipeline: Pipeline): string[] {
  const images = [...pipeline.actions.values()].map((a) => `${a.run.name}:${a.run.version === "latest" ? "v1" : a.run.version}`);
  return [...new Set(images)].sort();
}

describe("project.yaml fixtures", () => {
  it("has an expectation for every fixture file", () => {
    const files = readdirSync(DIR)
      .filter((f) => f.endsWith(".project.yaml"))
      .sort();
    expect(Object.keys(expectations).sort()).toEqual(files);
    expect(files).toHaveLength(64);
  });

  for (const [file, expected] of Object.entries(expectations)) {
    const deviation = DEVIATIONS[file];
    if (deviation !== undefined) {
      it(`${file}: rejected with our message (deliberate deviation)`, () => {
        const err = rejection(body(file, expected.header_lines));
        expect(err.message).toBe(deviation);
      });
    } else if (expected.valid) {
      it(`${file}: valid`, () => {
        const pipeline = parseProject(read(file));
        const runnable = expected.all_actions ?? expected.actions;
        expect([...pipeline.actions.keys()]).toEqual(runnable);
        const database = [...pipeline.actions.values()].filter((a) => a.isDatabaseAction).map((a) => a.name);
        expect(database).toEqual(expected.database_actions);
        expect(pipeline.warnings).toEqual(expected.warnings);
        expect(pipeline.version).toBe(expected.version);
        if (expected.needs !== undefined) {
          for (const action of pipeline.actions.values()) {
            expect(action.needs).toEqual(expected.needs[action.name] ?? []);
          }
        }
        if (expected.population_size !== undefined) expect(pipeline.populationSize).toBe(expected.population_size);
        if (expected.action_images !== undefined) expect(actionImages(pipeline)).toEqual(expected.action_images);
      });
    } else {
      it(`${file}: rejected with upstream's message`, () => {
        const err = rejection(body(file, expected.header_lines));
        expect(err.message).toBe(expected.error);
        expect(err.detail).toBe(expected.validation_message ?? expected.error);
        if (expected.validation_message !== undefined) {
          // comments change nothing: the whole file gives the same validation message
          expect(rejection(read(file)).message).toBe(expected.error);
        }
      });
    }
  }
});
