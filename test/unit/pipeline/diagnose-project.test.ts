// `rap validate`'s engine: every problem in one pass, each at its exact line and column, with the
// first error always the controller's (upstream's) message.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { diagnoseProject, type Diagnostic } from "../../../controller/pipeline/diagnose-project.js";
import { parseProject } from "../../../controller/pipeline/parse-project.js";
import { ProjectValidationError } from "../../../controller/pipeline/types.js";

const FIXTURES = fileURLToPath(new URL("../../fixtures/projects/", import.meta.url));

function error(line: number, column: number, key: string | null, message: string, hint: string | null = null): Diagnostic {
  return { severity: "error", message, line, column, key, hint };
}

function warning(line: number, column: number, key: string | null, message: string, hint: string | null = null): Diagnostic {
  return { severity: "warning", message, line, column, key, hint };
}

function lines(...text: string[]): string {
  return `${text.join("\n")}\n`;
}

/** What the controller rejects `text` with: [full message, message without upstream's prefix]. */
function controllerRejection(text: string): ProjectValidationError | null {
  try {
    parseProject(text);
    return null;
  } catch (err) {
    if (err instanceof ProjectValidationError) return err;
    throw err;
  }
}

describe("diagnoseProject: several errors in one file", () => {
  const text = lines(
    "version: 5",
    "actions:",
    "  extract:",
    "    run: ehrql:v1 generate-dataset analysis/dataset.py --output output/dataset.csv.gz",
    "    outputs:",
    "      highly_sensitive:",
    "        dataset: output/dataset.csv.gz",
    "  report:",
    "    run: pyhton:v2 analysis/report.py",
    "    needs: [extract, extrct]",
    "    output:",
    "      moderately_sensitive:",
    "        table: output/table.csv",
    "  plot:",
    "    run: python:v2 analysis/plot.py",
    "    needs: [report extract]",
    "    outputs:",
    "      moderately_sensitive:",
    "        figure: output/figure.png",
    "        bad: /abs/figure.png",
  );

  it("reports every one, upstream's checks first, each at the offending key", () => {
    expect(diagnoseProject(text).diagnostics).toEqual([
      error(8, 3, "actions.report", "Action report must contain a configuration for 'outputs'"),
      error(11, 5, "actions.report.output", "Unexpected parameters (output) in action report", "did you mean 'outputs'?"),
      error(
        20,
        14,
        "actions.plot.outputs.moderately_sensitive.bad",
        "Output path /abs/figure.png is invalid: is an absolute path",
      ),
      error(
        16,
        13,
        "actions.plot.needs[0]",
        "`needs` actions should be separated with commas, but plot needs `report extract`",
        "did you mean [report, extract]?",
      ),
      error(
        10,
        22,
        "actions.report.needs[1]",
        "Action `report` references an unknown action in its `needs` list: extrct",
        "did you mean 'extract'?",
      ),
      error(
        9,
        10,
        "actions.report.run",
        "Action report uses `pyhton`, which is not a built-in image, so it would be looked up as a reusable action",
        "did you mean 'python'?",
      ),
    ]);
  });

  it("the first error is the one the controller rejects the project with", () => {
    expect(controllerRejection(text)?.message).toBe(
      "Invalid project: \nAction report must contain a configuration for 'outputs'",
    );
    expect(diagnoseProject(text).diagnostics[0]?.message).toBe(controllerRejection(text)?.detail);
  });
});

describe("diagnoseProject: project-wide rules report every offender", () => {
  const text = lines(
    "version: 5",
    "expectations: {population_size: 10}",
    "actions:",
    "  a:",
    "    run: python:v2 a.py",
    "    needs: [b]",
    "    outputs: {highly_sensitive: {x: output/a.csv}}",
    "  b:",
    "    run: python:v2 a.py",
    "    needs: [a]",
    "    outputs: {highly_sensitive: {y: output/a.csv}}",
    "  c:",
    "    run: cohortextractor:latest generate_cohort",
    "    outputs: {highly_sensitive: {z: output/c.csv}}",
    "  d: [1]",
    "  e:",
    "    run: ehrql:v1 generate-dataset analysis/d.py",
    "    outputs: {moderately_sensitive: {z: output/e.csv}}",
  );

  it("in the controller's order, each at its own position", () => {
    expect(diagnoseProject(text).diagnostics).toEqual([
      error(15, 6, "actions.d", "Configuration for action d must be a dictionary of key/value pairs"),
      error(
        18,
        14,
        "actions.e.outputs",
        "`e` action uses `generate-dataset` and so all outputs must be labelled `highly_sensitive`",
      ),
      error(13, 10, "actions.c.run", "Action c uses cohortextractor actions, which are not supported in this version."),
      error(
        13,
        10,
        "actions.c.run",
        "Action c uses `cohortextractor:latest`, which is not supported. Provide a version e.g. `:v2` instead",
      ),
      error(9, 10, "actions.b.run", "Action b has the same 'run' command as other actions: a"),
      error(11, 37, "actions.b.outputs.highly_sensitive.y", "Output path output/a.csv is not unique"),
      error(
        2,
        1,
        "expectations",
        "Project includes `expectations` section, which is not supported in this version. This section is only applicable to deprecated cohortextractor actions; you can safely remove it.",
      ),
      error(6, 13, "actions.a.needs[0]", "Action 'a' has a circular dependency: a -> b -> a"),
    ]);
    expect(controllerRejection(text)?.detail).toBe("Configuration for action d must be a dictionary of key/value pairs");
  });

  it("every duplicate key, then the rules on what is left; a missing version at the start", () => {
    const dup = lines(
      "actions:",
      "  a:",
      "    run: python:v2 a.py",
      "    run: python:v2 b.py",
      "    outputs: {highly_sensitive: {x: output/a.csv}}",
      "  b:",
      "    outputs: {highly_sensitive: {x: output/c.csv, x: output/b.csv}}",
    );
    const diagnostics = diagnoseProject(dup).diagnostics;
    expect(diagnostics.map((x) => [x.line, x.column, x.key, x.message.split("\n")[4]])).toEqual([
      [4, 5, null, 'found duplicate key "run" with value "python:v2 b.py" (original value: "python:v2 a.py")'],
      [7, 51, null, 'found duplicate key "x" with value "output/b.csv" (original value: "output/c.csv")'],
      [1, 1, null, undefined],
      [6, 3, "actions.b", undefined],
    ]);
    expect(diagnostics.slice(2).map((x) => x.message)).toEqual([
      "Project file must have a `version` attribute specifying which version of the project configuration format it uses (current latest version is 5)",
      "Action b must contain a configuration for 'run'",
    ]);
    expect(diagnostics[0]?.message).toBe(controllerRejection(dup)?.message);
  });

  it("a version above the latest: upstream's unprefixed text, at the version, and no 'old version' warning", () => {
    const text = lines("version: 6", "actions: {}");
    expect(diagnoseProject(text).diagnostics).toEqual([error(1, 10, "version", "The latest version is v5, but got v6.0")]);
    expect(controllerRejection(text)?.message).toBe("The latest version is v5, but got v6.0");
  });
});

describe("diagnoseProject: positions through anchors and merge keys", () => {
  it("points into the anchored mapping, where the text is written", () => {
    const text = lines(
      "version: 5",
      "x-common: &common",
      "  run: python:v2 a.py",
      "  outputs: {highly_sensitive: {x: /abs.csv}}",
      "actions:",
      "  a:",
      "    <<: *common",
      "  b: *common",
      "  123:",
      "    run: python:v2 c.py",
      "    outputs: {highly_sensitive: {y: output/c.csv}}",
      "    needs: [12]",
    );
    expect(diagnoseProject(text).diagnostics).toEqual([
      error(2, 1, "x-common", "Unexpected parameters (x-common) in project"),
      error(4, 35, "actions.a.outputs.highly_sensitive.x", "Output path /abs.csv is invalid: is an absolute path"),
      error(4, 35, "actions.b.outputs.highly_sensitive.x", "Output path /abs.csv is invalid: is an absolute path"),
      error(12, 13, "actions.123.needs[0]", "`needs` section for action 123 must be a list of action names, got 12"),
      error(3, 8, "actions.b.run", "Action b has the same 'run' command as other actions: a"),
    ]);
  });
});

describe("diagnoseProject: the issue's defects", () => {
  it("names an unknown key with a suggestion, at the key", () => {
    const text = lines(
      "version: 5",
      "actions:",
      "  a:",
      "    run: python:v2 a.py",
      "    outputs: {highly_sensitive: {x: output/a.csv}}",
      "    need: [b]",
    );
    expect(diagnoseProject(text).diagnostics).toEqual([
      error(6, 5, "actions.a.need", "Unexpected parameters (need) in action a", "did you mean 'needs'?"),
    ]);
  });

  it("suggests the privacy level a misspelt one was meant to be", () => {
    const text = lines(
      "version: 5",
      "actions:",
      "  a:",
      "    run: python:v2 a.py",
      "    outputs:",
      "      highly_sensitve: {x: output/a.csv}",
    );
    expect(diagnoseProject(text).diagnostics).toEqual([
      error(
        6,
        7,
        "actions.a.outputs",
        "must specify at least one output of: highly_sensitive, moderately_sensitive, minimally_sensitive",
      ),
      error(
        6,
        7,
        "actions.a.outputs.highly_sensitve",
        "Unexpected parameters (highly_sensitve) in `outputs` section for action a",
        "did you mean 'highly_sensitive'?",
      ),
    ]);
    expect(controllerRejection(text)?.detail).toBe(
      "must specify at least one output of: highly_sensitive, moderately_sensitive, minimally_sensitive",
    );
  });

  it("gives each further unknown key its own position after upstream's combined message", () => {
    const text = lines("version: 5", "actoins:", "  a: {}", "expectation: 1", "actions: {}");
    expect(diagnoseProject(text).diagnostics).toEqual([
      error(2, 1, "actoins", "Unexpected parameters (actoins, expectation) in project", null),
      error(4, 1, "expectation", "Unexpected parameter (expectation) in project", "did you mean 'expectations'?"),
    ]);
    expect(controllerRejection(text)?.detail).toBe("Unexpected parameters (actoins, expectation) in project");
  });

  it("puts the caret of a mis-indented key on the key", () => {
    const text = lines(
      "version: 5",
      "actions:",
      "  a:",
      "    run: python:v2 analysis/a.py",
      "   outputs:",
      "      highly_sensitive: {x: output/a.csv}",
    );
    const [first] = diagnoseProject(text).diagnostics;
    expect(first).toEqual(
      error(
        5,
        4,
        null,
        "All mapping items must start at the same column at line 5, column 4:\n\n    run: python:v2 analysis/a.py\n   outputs:\n   ^",
      ),
    );
    expect(controllerRejection(text)?.message).toBe(first?.message);
  });

  it("catches an image name one typo away from a built-in image", () => {
    const text = lines(
      "version: 5",
      "actions:",
      "  a:",
      "    run: 'stata_mp:v1 a.do'",
      "    outputs: {moderately_sensitive: {x: output/a.log}}",
    );
    expect(parseProject(text).actions.size).toBe(1); // upstream accepts it
    expect(diagnoseProject(text).diagnostics).toEqual([
      error(
        4,
        10,
        "actions.a.run",
        "Action a uses `stata_mp`, which is not a built-in image, so it would be looked up as a reusable action",
        "did you mean 'stata-mp'?",
      ),
    ]);
  });

  it("leaves other image names alone without an actions list, and checks them against one", () => {
    const text = lines(
      "version: 5",
      "actions:",
      "  a:",
      "    run: cohort-joiner:v0.0.38 --lhs output/a.csv",
      "    outputs: {highly_sensitive: {x: output/a.csv}}",
    );
    expect(diagnoseProject(text).diagnostics).toEqual([]);
    expect(diagnoseProject(text, { knownActions: ["cohort-joiner", "deciles-charts"] }).diagnostics).toEqual([]);
    expect(diagnoseProject(text, { knownActions: ["cohort-joiners"] }).diagnostics).toEqual([
      error(
        4,
        10,
        "actions.a.run",
        "Action a uses `cohort-joiner`, which is neither a built-in image (ehrql, jupyter, python, r, sqlrunner, stata-mp) nor a reusable action in the actions list",
        "did you mean 'cohort-joiners'?",
      ),
    ]);
  });
});

describe("diagnoseProject: warnings for what upstream accepts", () => {
  it("warns, and the project stays valid", () => {
    const text = lines(
      "version: 4",
      "actions:",
      "  extract:",
      "    run: ehrql:latest generate-dataset analysis/dataset.py --output output/dataset.csv",
      "    outputs: {highly_sensitive: {dataset: output/dataset.csv}}",
      "  summary:",
      "    run: python:v2 analysis/summary.py output/dataset.csv output/lookup.csv",
      "    needs: [nothing, nothing]",
      "    outputs: {moderately_sensitive: {tables: output/summary_*.csv}}",
      "  nothing:",
      "    run: python:v2 analysis/nothing.py",
      "    outputs: {moderately_sensitive: {}}",
      "  my step:",
      "    run: python:v2 analysis/step.py",
      "    outputs: {moderately_sensitive: {step: output/step.txt}}",
    );
    const { diagnostics, pipeline } = diagnoseProject(text);
    expect(pipeline?.actions.size).toBe(4);
    expect(diagnostics).toEqual([
      warning(
        1,
        10,
        "version",
        "ProjectWarning: Your project file is using an old version (4.0); consider updating to version 5",
      ),
      warning(
        4,
        10,
        "actions.extract.run",
        "Action extract uses `ehrql:latest`, which version 5 rejects",
        "pin a version, e.g. `ehrql:v2`",
      ),
      warning(8, 22, "actions.summary.needs[1]", "Action summary lists `nothing` more than once in `needs`"),
      warning(
        7,
        10,
        "actions.summary.run",
        "Action summary refers to output/dataset.csv, which extract produces, but does not list it in `needs`",
        "add `extract` to `needs`",
      ),
      warning(7, 10, "actions.summary.run", "Action summary refers to output/lookup.csv, which no action lists in its outputs"),
      warning(12, 14, "actions.nothing.outputs", "Action nothing declares no output files, so nothing it writes is kept"),
      warning(13, 3, "actions.my step", "Action name `my step` contains whitespace, so no other action can list it in `needs`"),
    ]);
  });
});

describe("diagnoseProject: overlapping outputs", () => {
  it("warns when a wildcard pattern also matches another action's file", () => {
    const text = lines(
      "version: 5",
      "actions:",
      "  a:",
      "    run: python:v2 a.py",
      "    outputs: {moderately_sensitive: {table: output/table.csv}}",
      "  b:",
      "    run: python:v2 b.py",
      "    outputs:",
      "      moderately_sensitive:",
      "        tables: output/*.csv",
    );
    expect(diagnoseProject(text).diagnostics).toEqual([
      warning(
        10,
        17,
        "actions.b.outputs.moderately_sensitive.tables",
        "Output pattern output/*.csv of action b also matches output/table.csv, an output of action a",
      ),
    ]);
  });
});

describe("diagnoseProject keeps upstream's first message on every fixture", () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith(".project.yaml"));

  it("covers the fixture set", () => {
    expect(files).toHaveLength(64);
  });

  for (const file of files) {
    it(file, () => {
      const text = readFileSync(`${FIXTURES}${file}`, "utf8");
      const rejected = controllerRejection(text);
      const errors = diagnoseProject(text).diagnostics.filter((x) => x.severity === "error");
      if (rejected === null) {
        expect(errors).toEqual([]);
      } else {
        expect(errors[0]?.message).toBe(rejected.detail);
      }
    });
  }
});

describe("diagnoseProject keeps upstream's first message on broken variants of every fixture", () => {
  // Each fixture with one line removed, with one key renamed (`x` prefixed) and with one line
  // indented one space more: thousands of invalid files, some with several errors.
  it("never crashes, and its first error is always the controller's", () => {
    const mismatches: string[] = [];
    let invalid = 0;
    for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith(".project.yaml"))) {
      const source = readFileSync(`${FIXTURES}${file}`, "utf8").split("\n");
      source.forEach((_, i) => {
        const variants = [
          source.filter((__, j) => j !== i),
          source.map((line, j) => (j === i ? line.replace(/^(\s*)(\w)/, "$1x$2") : line)),
          source.map((line, j) => (j === i ? ` ${line}` : line)),
        ];
        for (const variant of variants) {
          const text = variant.join("\n");
          const rejected = controllerRejection(text);
          const first = diagnoseProject(text).diagnostics.find((x) => x.severity === "error");
          if (rejected === null) continue;
          invalid++;
          if (first?.message !== rejected.detail)
            mismatches.push(`${file} line ${i + 1}: ${rejected.detail} / ${first?.message}`);
        }
      });
    }
    expect(mismatches).toEqual([]);
    expect(invalid).toBeGreaterThan(500);
  });
});
