// YAML layer (core schema, duplicate keys, syntax errors, top level) and Python-style rendering.
import { describe, expect, it } from "vitest";
import { parseProject } from "../../../controller/pipeline/parse-project.js";
import { pyFloatRepr, pyRepr } from "../../../controller/pipeline/python-format.js";
import { pyJsonDumps } from "../../../controller/pipeline/python-json.js";
import { rejectionMessage } from "./helpers.js";

describe("YAML layer", () => {
  it("uses the YAML 1.2 core schema: yes/no/on/off are strings", () => {
    const text = [
      "version: 5",
      "actions:",
      "  a:",
      "    run: python:v2 a.py",
      "    outputs: {highly_sensitive: {x: output/a.csv}}",
      "    config: {y: yes, n: no, o: on, f: off, t: true, h: 0x1F}",
      "",
    ].join("\n");
    expect(parseProject(text).actions.get("a")?.runCommand).toBe(
      `python:v2 a.py --config '{"y": "yes", "n": "no", "o": "on", "f": "off", "t": true, "h": 31}'`,
    );
  });

  it("supports anchors, aliases and merge keys", () => {
    const text = [
      "version: 5",
      "base: &out {highly_sensitive: {x: output/a.csv}}",
      "actions:",
      "  a:",
      "    run: python:v2 a.py",
      "    outputs: *out",
      "",
    ].join("\n");
    expect(rejectionMessage(text)).toBe("Invalid project: \nUnexpected parameters (base) in project");
    const merged = [
      "version: 5",
      "actions:",
      "  a: &a",
      "    run: python:v2 a.py",
      "    outputs: {highly_sensitive: {x: output/a.csv}}",
      "  b:",
      "    <<: *a",
      "    run: python:v2 b.py",
      "    outputs: {highly_sensitive: {x: output/b.csv}}",
      "",
    ].join("\n");
    expect([...parseProject(merged).actions.values()].map((a) => a.runCommand)).toEqual(["python:v2 a.py", "python:v2 b.py"]);
  });

  it("reports duplicate keys in ruamel's layout, innermost first", () => {
    const text = ["version: 5", "actions:", "  a:", "    run: python:v2 a.py", "    run: python:v2 b.py", "version: 4", ""].join(
      "\n",
    );
    expect(rejectionMessage(text)).toBe(
      [
        "while constructing a mapping",
        '  in "<unicode string>", line 4, column 5:',
        "        run: python:v2 a.py",
        "        ^ (line: 4)",
        'found duplicate key "run" with value "python:v2 b.py" (original value: "python:v2 a.py")',
        '  in "<unicode string>", line 5, column 5:',
        "        run: python:v2 b.py",
        "        ^ (line: 5)",
      ].join("\n"),
    );
  });

  it("treats keys Python considers equal as duplicates", () => {
    expect(rejectionMessage("1: a\n1.0: b\n")).toBe(
      [
        "while constructing a mapping",
        '  in "<unicode string>", line 1, column 1:',
        "    1: a",
        "    ^ (line: 1)",
        'found duplicate key "1.0" with value "b" (original value: "a")',
        '  in "<unicode string>", line 2, column 1:',
        "    1.0: b",
        "    ^ (line: 2)",
      ].join("\n"),
    );
  });

  it("passes syntax errors through with their position and no prefix", () => {
    expect(rejectionMessage("version: 5\nactions: [\n")).toBe(
      "Flow sequence in block collection must be sufficiently indented and end with a ] at line 3, column 1:\n\nactions: [\n\n^",
    );
  });

  it("rejects a top level that is not a mapping (upstream: TypeError)", () => {
    const message = "Invalid project: \nProject file must be a dictionary of key/value pairs";
    expect(rejectionMessage("")).toBe(message);
    expect(rejectionMessage("# only a comment\n")).toBe(message);
    expect(rejectionMessage("- a\n- b\n")).toBe(message);
    expect(rejectionMessage("just text\n")).toBe(message);
  });

  it("checks top-level keys before anything else", () => {
    expect(rejectionMessage("workflow: 1\nversion: 9\nother: 2\n")).toBe(
      "Invalid project: \nUnexpected parameters (workflow, other) in project",
    );
  });

  it("accepts any action name, including non-strings", () => {
    const text = [
      "version: 5",
      "actions:",
      "  123:",
      "    run: python:v2 a.py",
      "    outputs: {highly_sensitive: {x: output/a.csv}}",
      "",
    ].join("\n");
    expect([...parseProject(text).actions.keys()]).toEqual(["123"]);
  });

  it("accepts an empty actions mapping and rejects other shapes", () => {
    expect(parseProject("version: 5\nactions: {}\n").actions.size).toBe(0);
    for (const actions of ["", "[]", "x"]) {
      expect(rejectionMessage(`version: 5\nactions: ${actions}\n`)).toBe(
        "Invalid project: \nProject `actions` section must be a dictionary of key/value pairs",
      );
    }
  });
});

describe("Python-style rendering", () => {
  it("formats floats like repr()", () => {
    const cases: readonly [number, string][] = [
      [3, "3.0"],
      [0, "0.0"],
      [-0, "-0.0"],
      [1e16, "1e+16"],
      [1e15, "1000000000000000.0"],
      [123456789.123, "123456789.123"],
      [1e-4, "0.0001"],
      [1e-5, "1e-05"],
      [5e-324, "5e-324"],
      [1.7976931348623157e308, "1.7976931348623157e+308"],
      [0.1 + 0.2, "0.30000000000000004"],
      [-2.5, "-2.5"],
      [NaN, "nan"],
      [Infinity, "inf"],
      [1e22, "1e+22"],
      [12345678901234568, "1.2345678901234568e+16"],
    ];
    for (const [value, text] of cases) expect(pyFloatRepr(value)).toBe(text);
  });

  it("renders reprs and JSON like Python", () => {
    expect(
      pyRepr(
        new Map<string | bigint, string | null>([
          ["a", "it's"],
          [1n, null],
        ]),
      ),
    ).toBe(`{'a': "it's", 1: None}`);
    expect(pyJsonDumps([1n, 1, 2.5, "\u007f\u0000", [], new Map()])).toBe('[1, 1.0, 2.5, "\\u007f\\u0000", [], {}]');
  });
});
