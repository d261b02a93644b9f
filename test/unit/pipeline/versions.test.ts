// The `version` key and the per-version rules it switches on.
import { describe, expect, it } from "vitest";
import { parseProject } from "../../../controller/pipeline/parse-project.js";
import { featureFlags, pythonFloat } from "../../../controller/pipeline/project-version.js";
import { rejectionMessage } from "./helpers.js";

const OLD = (v: string): string =>
  `ProjectWarning: Your project file is using an old version (${v}); consider updating to version 5`;

function project(version: string, actions: readonly string[], extra: readonly string[] = []): string {
  return [`version: ${version}`, ...extra, "actions:", ...actions.map((l) => `  ${l}`), ""].join("\n");
}

const SIMPLE = ["a:", "  run: python:v2 a.py", "  outputs: {highly_sensitive: {x: output/a.csv}}"];

describe("version", () => {
  it("reads numbers and numeric strings as floats, warning below 5", () => {
    const cases: readonly [string, number, readonly string[]][] = [
      ["5", 5, []],
      ["5.0", 5, []],
      ["'5'", 5, []],
      ["4", 4, [OLD("4.0")]],
      ["'3.0'", 3, [OLD("3.0")]],
      ["2.5", 2.5, [OLD("2.5")]],
      ["0", 0, [OLD("0.0")]],
      ["-1", -1, [OLD("-1.0")]],
      ["true", 1, [OLD("1.0")]],
      ["' 1_0e-1 '", 1, [OLD("1.0")]],
    ];
    for (const [text, version, warnings] of cases) {
      const pipeline = parseProject(project(text, SIMPLE, text === "'3.0'" ? ["expectations: {population_size: 10}"] : []));
      expect(pipeline.version).toBe(version);
      expect(pipeline.warnings).toEqual(warnings);
    }
    const nan = parseProject(project(".nan", SIMPLE));
    expect(nan.version).toBeNaN();
    expect(nan.warnings).toEqual([OLD("nan")]);
  });

  it("requires a version", () => {
    const message =
      "Invalid project: \nProject file must have a `version` attribute specifying which version of the project " +
      "configuration format it uses (current latest version is 5)";
    expect(rejectionMessage(["actions: {}", ""].join("\n"))).toBe(message);
    expect(rejectionMessage(["version:", "actions: {}", ""].join("\n"))).toBe(message);
  });

  it("rejects non-numbers", () => {
    for (const text of ["five", "'v5'", "[5]", "{v: 5}", "'1__0'", "'5 5'"]) {
      expect(rejectionMessage(project(text, SIMPLE))).toBe("Invalid project: \n`version` must be a number between 1 and 5");
    }
  });

  it("rejects versions above 5 with upstream's ValueError text and no prefix", () => {
    expect(rejectionMessage(project("6", SIMPLE))).toBe("The latest version is v5, but got v6.0");
    expect(rejectionMessage(project("5.5", SIMPLE))).toBe("The latest version is v5, but got v5.5");
    expect(rejectionMessage(project(".inf", SIMPLE))).toBe("The latest version is v5, but got vinf");
  });

  it("parses Python float() text", () => {
    expect(pythonFloat("  -1.5e3 ")).toBe(-1500);
    expect(pythonFloat(".5")).toBe(0.5);
    expect(pythonFloat("5.")).toBe(5);
    expect(pythonFloat("-Infinity")).toBe(-Infinity);
    expect(pythonFloat("1_000")).toBe(1000);
    expect(pythonFloat(".")).toBeNull();
    expect(pythonFloat("e5")).toBeNull();
    expect(pythonFloat("_1")).toBeNull();
    expect(pythonFloat(null)).toBeNull();
  });

  it("derives the feature flags numerically", () => {
    expect(featureFlags(1)).toEqual({
      uniqueOutputPath: false,
      expectationsPopulation: false,
      removeCohortExtractor: false,
      removeRunAllAction: false,
      removeLatestTag: false,
    });
    expect(featureFlags(2).uniqueOutputPath).toBe(true);
    expect(featureFlags(3).expectationsPopulation).toBe(true);
    expect(featureFlags(3.5).expectationsPopulation).toBe(false);
    expect(featureFlags(3.5).removeCohortExtractor).toBe(false);
    expect(featureFlags(4).removeCohortExtractor).toBe(true);
    expect(featureFlags(4.9).removeLatestTag).toBe(false);
    expect(featureFlags(5)).toEqual({
      uniqueOutputPath: true,
      expectationsPopulation: false,
      removeCohortExtractor: true,
      removeRunAllAction: true,
      removeLatestTag: true,
    });
  });
});

describe("rules that depend on the version", () => {
  const twoSamePaths = [
    "a:",
    "  run: python:v2 a.py",
    "  outputs: {highly_sensitive: {x: output/a.csv}}",
    "b:",
    "  run: python:v2 b.py",
    "  outputs: {moderately_sensitive: {y: output/a.csv}}",
  ];

  it("duplicate output paths: allowed in v1, rejected from v2", () => {
    expect([...parseProject(project("1", twoSamePaths)).actions.keys()]).toEqual(["a", "b"]);
    expect(rejectionMessage(project("2", twoSamePaths))).toBe("Invalid project: \nOutput path output/a.csv is not unique");
  });

  it("expectations: forced to 1000 below 3 and between 3 and 4, required at 3, forbidden from 4", () => {
    expect(parseProject(project("2", SIMPLE, ["expectations: {population_size: 5, junk: 1}"])).populationSize).toBe(1000);
    expect(parseProject(project("3.5", SIMPLE, ["expectations: nonsense"])).populationSize).toBe(1000);
    expect(parseProject(project("3", SIMPLE, ["expectations: {population_size: '250'}"])).populationSize).toBe(250);
    expect(parseProject(project("3", SIMPLE, ["expectations: {population_size: 10.7}"])).populationSize).toBe(10);
    expect(parseProject(project("4", SIMPLE, ["expectations:"])).populationSize).toBeNull();
    expect(rejectionMessage(project("3", SIMPLE))).toBe("Invalid project: \nProject must include `expectations` section");
    expect(rejectionMessage(project("3", SIMPLE, ["expectations: [1]"]))).toBe(
      "Invalid project: \nProject `expectations` section must be a dictionary of key/value pairs",
    );
    expect(rejectionMessage(project("3", SIMPLE, ["expectations: {population_size: 1.5.2}"]))).toBe(
      "Invalid project: \nProject expectations population size must be a number",
    );
    expect(rejectionMessage(project("4", SIMPLE, ["expectations: {population_size: 5}"]))).toBe(
      "Invalid project: \nProject includes `expectations` section, which is not supported in this version. " +
        "This section is only applicable to deprecated cohortextractor actions; you can safely remove it.",
    );
  });

  it("cohortextractor: allowed before 4, rejected from 4 (including cohortextractor-v2)", () => {
    const cohort = [
      "a:",
      "  run: cohortextractor:latest generate_cohort",
      "  outputs: {highly_sensitive: {c: output/input.csv}}",
    ];
    const v2 = ["a:", "  run: cohortextractor-v2:v1 generate_cohort", "  outputs: {highly_sensitive: {c: output/input.csv}}"];
    expect(parseProject(project("3.5", cohort)).actions.get("a")?.isDatabaseAction).toBe(true);
    const message = "Invalid project: \nAction a uses cohortextractor actions, which are not supported in this version.";
    expect(rejectionMessage(project("4", cohort))).toBe(message);
    expect(rejectionMessage(project("4", v2))).toBe(message);
  });

  it(":latest: allowed before 5, rejected in 5", () => {
    const latest = ["a:", "  run: python:latest a.py", "  outputs: {highly_sensitive: {x: output/a.csv}}"];
    expect(parseProject(project("4", latest)).actions.get("a")?.run.version).toBe("latest");
    expect(rejectionMessage(project("5", latest))).toBe(
      "Invalid project: \nAction a uses `python:latest`, which is not supported. Provide a version e.g. `:v2` instead",
    );
  });

  it("run_all: a warning before 5 (and the action is dropped), an error in 5", () => {
    const runAll = [...SIMPLE, "run_all:", "  run: python:v2 all.py", "  outputs: {highly_sensitive: {x: output/all.csv}}"];
    const pipeline = parseProject(project("4", runAll));
    expect([...pipeline.actions.keys()]).toEqual(["a"]);
    expect(pipeline.warnings).toEqual([
      OLD("4.0"),
      "ProjectWarning: `run_all` is a reserved action name; user-defined actions with this name are ignored and " +
        "will raise an error in later versions.",
    ]);
    expect(rejectionMessage(project("5", runAll))).toBe(
      "Invalid project: \n`run_all` is a reserved action name and is not allowed for user-defined actions.",
    );
  });
});
