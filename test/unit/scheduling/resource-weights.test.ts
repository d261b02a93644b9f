/**
 * T51 (upstream's test_job_resource_weights.py, both tests) plus the INI-reading rules that make a
 * weights file behave as it did under upstream (reference/jobrunner.md §4.7), including the
 * lower-casing quirk.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Job } from "../../../controller/jobs/job.js";
import {
  jobWeight,
  loadResourceWeights,
  parseResourceWeights,
  ResourceWeightsError,
  type ResourceWeights,
} from "../../../controller/scheduling/resource-weights.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Writes config_<backend>.ini files and loads them for backends test and other. */
function load(files: Readonly<Record<string, string>>): ResourceWeights {
  const workdir = mkdtempSync(path.join(tmpdir(), "rap-weights-"));
  dirs.push(workdir);
  for (const [backend, text] of Object.entries(files))
    writeFileSync(path.join(workdir, `job-resource-weights_${backend}.ini`), text);
  return loadResourceWeights(workdir, ["test", "other"]);
}

function job(fields: Pick<Job, "workspace" | "action" | "backend"> & Partial<Pick<Job, "runCommand">>): Job {
  return { runCommand: "", ...fields } as Job;
}

describe("T51 resource weights", () => {
  it("workspace sections match the action name in full; other backends weigh 1", () => {
    const weights = load({ test: "\n[my-workspace]\nsome_action = 2.5\npattern[\\d]+ = 4\n" });
    expect(jobWeight(weights, job({ workspace: "foo", action: "bar", backend: "test" }))).toBe(1);
    expect(jobWeight(weights, job({ workspace: "my-workspace", action: "some_action", backend: "test" }))).toBe(2.5);
    expect(jobWeight(weights, job({ workspace: "my-workspace", action: "some_action", backend: "other" }))).toBe(1);
    expect(jobWeight(weights, job({ workspace: "my-workspace", action: "pattern315", backend: "test" }))).toBe(4);
    expect(jobWeight(weights, job({ workspace: "my-workspace", action: "pattern315", backend: "other" }))).toBe(1);
    expect(jobWeight(weights, job({ workspace: "my-workspace", action: "pattern000no_match", backend: "test" }))).toBe(1);
  });

  it("[default] matches the run command, and only when no workspace pattern matched", () => {
    const weights = load({
      test: [
        "[default]",
        "my-action:v[\\d]+\\s+do-thing.+ = 3",
        "ehrql:v[\\d]+\\s+generate-measures.+ = 4.5",
        "",
        "[my-workspace]",
        "some_action = 2.5",
        "pattern[\\d]+ = 4",
      ].join("\n"),
    });
    expect(jobWeight(weights, job({ workspace: "foo", action: "bar", backend: "test" }))).toBe(1);
    const doThing = "my-action:v1 do-thing --output foo";
    expect(jobWeight(weights, job({ workspace: "foo", action: "some_action", runCommand: doThing, backend: "test" }))).toBe(3);
    expect(
      jobWeight(weights, job({ workspace: "my-workspace", action: "some_action", runCommand: doThing, backend: "test" })),
    ).toBe(2.5);
    const measures = "ehrql:v1 generate-measures analysis/definition.py --output results.csv";
    expect(
      jobWeight(weights, job({ workspace: "my-workspace", action: "generate_measures", runCommand: measures, backend: "test" })),
    ).toBe(4.5);
  });

  it("the first matching pattern wins, in file order", () => {
    const weights = load({ test: "[ws]\nbig.* = 3\nbig_model = 5\n" });
    expect(jobWeight(weights, job({ workspace: "ws", action: "big_model", backend: "test" }))).toBe(3);
  });

  it("a partial match is not a match", () => {
    const weights = load({ test: "[ws]\nmodel = 2\n[default]\npython:v2 = 7\n" });
    expect(jobWeight(weights, job({ workspace: "ws", action: "big_model", runCommand: "python:v2 a.py", backend: "test" }))).toBe(
      1,
    );
  });
});

describe("weights files are read as upstream's configparser reads them", () => {
  it("keeps upstream's quirk: patterns are lower-cased, so \\S means \\s and capitals never match", () => {
    const sections = parseResourceWeights("[ws]\nBig_\\S+ = 2\nModel = 3\n", "test.ini");
    expect([...sections.get("ws")!.map((rule) => rule.pattern)]).toEqual(["big_\\s+", "model"]);
    const weights: ResourceWeights = new Map([["test", sections]]);
    // `Big_\S+` was meant to match Big_model; after lower-casing it matches "big_" plus whitespace.
    expect(jobWeight(weights, job({ workspace: "ws", action: "Big_model", backend: "test" }))).toBe(1);
    expect(jobWeight(weights, job({ workspace: "ws", action: "big_ ", backend: "test" }))).toBe(2);
    expect(jobWeight(weights, job({ workspace: "ws", action: "Model", backend: "test" }))).toBe(1);
    expect(jobWeight(weights, job({ workspace: "ws", action: "model", backend: "test" }))).toBe(3);
  });

  it("skips # and ; comments and blank lines, and lets [DEFAULT] feed every section (listed first)", () => {
    const sections = parseResourceWeights(
      ["# weights", "[DEFAULT]", "shared = 1.5", "[ws]", "; a comment", "mine=2", "  ", "[other]", "x = 1_0", "shared = 4"].join(
        "\n",
      ),
      "test.ini",
    );
    expect([...sections.keys()]).toEqual(["ws", "other"]);
    expect(sections.get("ws")!.map((rule) => [rule.pattern, rule.weight])).toEqual([
      ["shared", 1.5],
      ["mine", 2],
    ]);
    expect(sections.get("other")!.map((rule) => [rule.pattern, rule.weight])).toEqual([
      ["shared", 4],
      ["x", 10],
    ]);
  });

  it("a pattern ends at the first '=', so the rest becomes the (invalid) weight", () => {
    expect(() => parseResourceWeights("[ws]\na=b = 2\n", "w.ini")).toThrow(
      new ResourceWeightsError("w.ini [ws] a: could not convert string to float: 'b = 2'"),
    );
  });

  it.each([
    ["x = 1\n", "w.ini, line 1: file contains no section headers"],
    ["[ws]\nno delimiter\n", 'w.ini, line 2: cannot parse "no delimiter"'],
    ["[ws]\na = 1\nA = 2\n", "w.ini, line 3: option 'a' in section 'ws' already exists"],
    ["[ws]\n[ws]\n", "w.ini, line 2: section 'ws' already exists"],
    ["[ws]\na = -1\n", "w.ini [ws] a: weight must be a finite number >= 0, got '-1'"],
    ["[ws]\na = 50%\n", "w.ini [ws] a: '%' interpolation is not supported"],
  ])("refuses %j at start-up", (text, message) => {
    expect(() => parseResourceWeights(text, "w.ini")).toThrow(new ResourceWeightsError(message));
  });

  it("refuses a pattern that does not compile (the engine's own wording follows)", () => {
    expect(() => parseResourceWeights("[ws]\na( = 1\n", "w.ini")).toThrow(/^w\.ini \[ws\] a\(: invalid regular expression: /);
  });

  it("reads nothing for a backend without a file", () => {
    expect(load({}).size).toBe(0);
  });
});
