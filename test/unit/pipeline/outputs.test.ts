// Output sections: structure, every path rule, and the command-specific rules.
import { describe, expect, it } from "vitest";
import { outputPatternProblem } from "../../../controller/pipeline/output-pattern.js";
import { parseProject } from "../../../controller/pipeline/parse-project.js";
import { oneAction, onlyAction, rejectionMessage } from "./helpers.js";

describe("output path rules", () => {
  const problems: readonly [string, string][] = [
    ["output\\a.csv", "contains back slashes (use forward slashes only)"],
    ["output/**/a.csv", "contains '**' (only the * wildcard character is supported)"],
    ["output/a?.csv", "contains '?' (only the * wildcard character is supported)"],
    ["output/[ab].csv", "contains '[' (only the * wildcard character is supported)"],
    ["output/*", "output paths must have a file type extension at the end"],
    ["output/a.*", "output paths must have a file type extension at the end"],
    ["output/", "output paths must have a file type extension at the end"],
    ["output", "output paths must have a file type extension at the end"],
    [".hidden", "output paths must have a file type extension at the end"],
    ["output/a.", "output paths must have a file type extension at the end"],
    [".", "output paths must have a file type extension at the end"],
    ["", "output paths must have a file type extension at the end"],
    ["a//b.csv", "is not in standard form (contains double slashes or '..' elements)"],
    ["./a.csv", "is not in standard form (contains double slashes or '..' elements)"],
    ["a/./b.csv", "is not in standard form (contains double slashes or '..' elements)"],
    ["a/../b.csv", "is not in standard form (contains double slashes or '..' elements)"],
    ["metadata/a.csv", "should not include the metadata directory"],
    ["/tmp/a.csv", "is an absolute path"],
    ["//server/share/a.csv", "is an absolute path"],
    ["C:/a.csv", "is an absolute path"],
  ];
  for (const [pattern, problem] of problems) {
    it(`rejects ${JSON.stringify(pattern)}`, () => expect(outputPatternProblem(pattern, "highly_sensitive")).toBe(problem));
  }

  const fine = [
    "output/a.c*v",
    "output/.hidden.csv",
    "output/*/a.csv",
    "../x.csv",
    "metadata.csv",
    "metadata2/a.csv",
    "output/metadata/a.csv",
    "c:a.csv",
    "output/{a,b}.csv",
    "out put/ü ~$:.rds",
  ];
  for (const pattern of fine) {
    it(`accepts ${JSON.stringify(pattern)}`, () => expect(outputPatternProblem(pattern, "highly_sensitive")).toBeNull());
  }

  it("limits moderately_sensitive to the Level 4 file types, case-sensitively, naming the normalised path", () => {
    for (const ext of [".csv", ".jpg", ".jpeg", ".png", ".svg", ".svgz", ".html", ".txt", ".log", ".json", ".md"]) {
      expect(outputPatternProblem(`output/a${ext}`, "moderately_sensitive")).toBeNull();
    }
    expect(outputPatternProblem("output/a.CSV", "moderately_sensitive")).toBe(
      "output/a.CSV is not an allowed file type for moderately_sensitive outputs",
    );
    expect(outputPatternProblem("./x.rds", "moderately_sensitive")).toBe(
      "x.rds is not an allowed file type for moderately_sensitive outputs",
    );
    expect(outputPatternProblem("a//b.rds", "moderately_sensitive")).toBe(
      "a/b.rds is not an allowed file type for moderately_sensitive outputs",
    );
    expect(outputPatternProblem("a/b.rds", "minimally_sensitive")).toBeNull();
  });
});

describe("outputs section", () => {
  const run = "run: python:v2 a.py";

  it("keeps levels and ids in file order", () => {
    const action = onlyAction(
      oneAction([run, "outputs:", "  moderately_sensitive: {t: output/t.csv, s: output/s.csv}", "  highly_sensitive: {}"]),
    );
    expect(action.outputs).toEqual({ highly_sensitive: {}, moderately_sensitive: { t: "output/t.csv", s: "output/s.csv" } });
    expect(Object.keys(action.outputs.moderately_sensitive ?? {})).toEqual(["t", "s"]);
  });

  it("gives upstream's structural messages, in upstream's order", () => {
    const p = "Invalid project: \n";
    expect(rejectionMessage(oneAction([run, "outputs: {}"]))).toBe(
      `${p}must specify at least one output of: highly_sensitive, moderately_sensitive, minimally_sensitive`,
    );
    expect(rejectionMessage(oneAction([run, "outputs: {secret: {x: a.csv}, highly_sensitive:}"]))).toBe(
      `${p}must specify at least one output of: highly_sensitive, moderately_sensitive, minimally_sensitive`,
    );
    expect(rejectionMessage(oneAction([run, "outputs: {secret: 1, highly_sensitive: {}, 7: 2}"]))).toBe(
      `${p}Unexpected parameters (secret, 7) in \`outputs\` section for action a`,
    );
    expect(rejectionMessage(oneAction([run, "outputs: {minimally_sensitive: [a.csv], highly_sensitive: {x: a.csv}}"]))).toBe(
      `${p}\`minimally_sensitive\` section for action a must be a dictionary of key/value pairs`,
    );
    expect(rejectionMessage(oneAction([run, "outputs: {highly_sensitive: {x: 1}}"]))).toBe(
      `${p}\`x\` output for action a must be a string`,
    );
    expect(rejectionMessage(oneAction([run, "outputs:"]))).toBe(
      `${p}\`outputs\` section for action a must be a dictionary of key/value pairs`,
    );
    expect(rejectionMessage(oneAction([run, "outputs: {moderately_sensitive: {m: output/m.rds}}"]))).toBe(
      `${p}Output path output/m.rds is invalid: output/m.rds is not an allowed file type for moderately_sensitive outputs`,
    );
  });
});

describe("ehrQL generate-dataset output rules", () => {
  const p = "Invalid project: \n";
  const action = (run: string, outputs: string): string => oneAction([`run: ${run}`, `outputs: ${outputs}`]);

  it("accepts a matching file or directory output", () => {
    expect(() =>
      parseProject(
        action(
          "ehrql:v1 generate-dataset d.py --output output/d.csv.gz",
          "{highly_sensitive: {d: output/d.csv.gz, x: output/x.csv}}",
        ),
      ),
    ).not.toThrow();
    expect(() =>
      parseProject(action("ehrql:v1 generate-dataset d.py --output=output/t:arrow", "{highly_sensitive: {t: output/t/*.arrow}}")),
    ).not.toThrow();
    expect(() =>
      parseProject(
        action(
          "ehrql:v1 generate-dataset d.py --output output/t/:csv",
          "{highly_sensitive: {a: output/t/a.csv, b: output/t/x/b.csv}}",
        ),
      ),
    ).not.toThrow();
    expect(() =>
      parseProject(action("databuilder:v0 generate_dataset d.py --output output/d.csv", "{highly_sensitive: {d: output/d.csv}}")),
    ).not.toThrow();
  });

  it("rejects non-highly-sensitive outputs, a missing --output, and a mismatch", () => {
    expect(
      rejectionMessage(
        action(
          "ehrql:v1 generate-dataset d.py --output output/d.csv",
          "{highly_sensitive: {d: output/d.csv}, minimally_sensitive: {x: output/x.csv}}",
        ),
      ),
    ).toBe(`${p}\`a\` action uses \`generate-dataset\` and so all outputs must be labelled \`highly_sensitive\``);
    const noOutput = `${p}\`a\` action does not provide an \`--output\` argument specifying where the results of \`generate-dataset\` should be stored`;
    expect(rejectionMessage(action("ehrql:v1 generate-dataset d.py", "{highly_sensitive: {d: output/d.csv}}"))).toBe(noOutput);
    expect(rejectionMessage(action("ehrql:v1 generate-dataset d.py --output", "{highly_sensitive: {d: output/d.csv}}"))).toBe(
      noOutput,
    );
    expect(rejectionMessage(action("ehrql:v1 generate-dataset d.py --output=", "{highly_sensitive: {d: output/d.csv}}"))).toBe(
      noOutput,
    );
    expect(
      rejectionMessage(action("ehrql:v1 generate-dataset d.py --output o/d.csv", "{highly_sensitive: {d: o/x.csv, e: o/y.csv}}")),
    ).toBe(
      `${p}output specification must match the \`--output\` argument in the \`run\` command\n` +
        "              got: o/x.csv                   \no/y.csv\nbut was expecting: o/d.csv",
    );
    expect(rejectionMessage(action("ehrql:v1 generate-dataset d.py --output t:csv", "{highly_sensitive: {d: t/x.arrow}}"))).toBe(
      `${p}output specification must match the \`--output\` argument in the \`run\` command\n` +
        "              got: t/x.arrow\nbut was expecting: t/:csv",
    );
  });

  it("does not apply when the sub-command is not one space after the image", () => {
    expect(() =>
      parseProject(action("ehrql:v1  generate-dataset d.py", "{moderately_sensitive: {d: output/d.csv}}")),
    ).not.toThrow();
  });
});

describe("cohortextractor generate_cohort output rules", () => {
  const p = "Invalid project: \n";
  const v3 = (run: string, outputs: string): string =>
    oneAction([`run: ${run}`, `outputs: ${outputs}`], "3\nexpectations: {population_size: 10}");

  it("needs exactly one level and one directory unless --output-dir is given", () => {
    expect(
      rejectionMessage(
        v3("cohortextractor:latest generate_cohort", "{highly_sensitive: {a: o/a.csv}, moderately_sensitive: {b: o/b.csv}}"),
      ),
    ).toBe(`${p}A \`generate_cohort\` action must have exactly one output; a had 2`);
    expect(rejectionMessage(v3("cohortextractor:latest generate_cohort", "{highly_sensitive: {a: a.csv, b: o/b.csv}}"))).toBe(
      `${p}generate_cohort command should produce output in only one directory, found 2:\n - ./\n - o/`,
    );
    expect(() =>
      parseProject(v3("cohortextractor:latest generate_cohort --output-dir=o", "{highly_sensitive: {a: a.csv, b: o/b.csv}}")),
    ).not.toThrow();
    expect(() =>
      parseProject(v3("cohortextractor:latest generate_cohort --output-dir o", "{highly_sensitive: {a: a.csv, b: o/b.csv}}")),
    ).not.toThrow();
  });
});
