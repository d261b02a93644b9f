// run-string splitting (Python shlex semantics), the image:version grammar, and the job command
// line with `--config` appended. Expected values were produced with Python's shlex and json.
import { describe, expect, it } from "vitest";
import { isValidImageVersion } from "../../../controller/pipeline/run-command.js";
import { shellJoin, shellQuote, shellSplit } from "../../../controller/pipeline/shell-words.js";
import { oneAction, onlyAction, rejectionMessage } from "./helpers.js";

describe("shellSplit", () => {
  const cases: readonly [string, readonly string[]][] = [
    ["python:v2 analysis/a.py", ["python:v2", "analysis/a.py"]],
    ["python:v2  a.py\tb.py\nc.py", ["python:v2", "a.py", "b.py", "c.py"]],
    [`r:v1 'a b' "c d" e\\ f`, ["r:v1", "a b", "c d", "e f"]],
    [`python:v2 "say \\"hi\\"" 'it'"'"'s'`, ["python:v2", 'say "hi"', "it's"]],
    ["python:v2 a#b # not a comment", ["python:v2", "a#b", "#", "not", "a", "comment"]],
    [`python:v2 "a\\nb" 'x\\ny' z\\q`, ["python:v2", "a\\nb", "x\\ny", "zq"]],
    [`python:v2 '' "" x''y`, ["python:v2", "", "", "xy"]],
    ["python:v2 ${{ needs.a.outputs }} $HOME", ["python:v2", "${{", "needs.a.outputs", "}}", "$HOME"]],
    ["python:v2 a\fb\vc", ["python:v2", "a\fb\vc"]],
    [" \n\t ", []],
  ];
  for (const [input, words] of cases) {
    it(`splits ${JSON.stringify(input)}`, () => {
      expect(shellSplit(input)).toEqual(words);
    });
  }

  it("reports shlex's errors", () => {
    expect(() => shellSplit('python:v2 "unterminated')).toThrow("No closing quotation");
    expect(() => shellSplit("python:v2 'unterminated")).toThrow("No closing quotation");
    expect(() => shellSplit("python:v2 trailing\\")).toThrow("No escaped character");
  });
});

describe("shellQuote / shellJoin", () => {
  it("quotes like shlex.quote", () => {
    expect(shellQuote("")).toBe("''");
    expect(shellQuote("a-b_c.d/e:f=g,h@i%j+k")).toBe("a-b_c.d/e:f=g,h@i%j+k");
    expect(shellQuote("it's")).toBe(`'it'"'"'s'`);
    expect(shellQuote("$HOME")).toBe("'$HOME'");
    expect(shellQuote("café")).toBe("'café'");
  });

  it("joins like shlex.join", () => {
    expect(shellJoin(["r:v1", "a b", "c d", "e f"])).toBe("r:v1 'a b' 'c d' 'e f'");
    expect(shellJoin(["python:v2", 'say "hi"', "it's"])).toBe(`python:v2 'say "hi"' 'it'"'"'s'`);
    expect(shellJoin(["python:v2", "${{", "needs.a.outputs", "}}", "$HOME"])).toBe(
      "python:v2 '${{' needs.a.outputs '}}' '$HOME'",
    );
    expect(shellJoin(["python:v2", "", "", "xy"])).toBe("python:v2 '' '' xy");
  });
});

describe("image version grammar", () => {
  const valid = ["v1", "v2", "v1.2", "v1.2.3", "v1-pre", "v1.2-pre", "dev", "latest", "v.", "v1..2", "v1\n"];
  const invalid = ["", "v", "other", "vnotdigits", "v1x1", "pre", "V1", "1.0", "v1:x", "v1-pre-pre", "latest\n\n"];
  for (const version of valid) it(`accepts ${JSON.stringify(version)}`, () => expect(isValidImageVersion(version)).toBe(true));
  for (const version of invalid) it(`rejects ${JSON.stringify(version)}`, () => expect(isValidImageVersion(version)).toBe(false));
});

describe("RunCommand of an action", () => {
  it("splits name, version and args at the first colon", () => {
    const action = onlyAction(oneAction(["run: ghcr.io/org/python:v2 a.py 'b c'", "outputs: {highly_sensitive: {x: x.csv}}"]));
    expect(action.run).toEqual({
      raw: "ghcr.io/org/python:v2 a.py 'b c'",
      parts: ["ghcr.io/org/python:v2", "a.py", "b c"],
      name: "ghcr.io/org/python",
      version: "v2",
      args: ["a.py", "b c"],
    });
    expect(action.runCommand).toBe("ghcr.io/org/python:v2 a.py 'b c'");
  });

  it("keeps the newlines of a folded run in raw", () => {
    const text = oneAction(["run: >", "  python:v2", "    a.py", "    --flag", "outputs: {highly_sensitive: {x: x.csv}}"]);
    const action = onlyAction(text);
    expect(action.run.raw).toBe("python:v2\n  a.py\n  --flag\n");
    expect(action.run.parts).toEqual(["python:v2", "a.py", "--flag"]);
    expect(action.runCommand).toBe("python:v2 a.py --flag");
  });

  it("rejects an empty run, a run without a version and a run with a bad version", () => {
    const outputs = "outputs: {highly_sensitive: {x: x.csv}}";
    expect(rejectionMessage(oneAction(["run: ''", outputs]))).toBe(
      "Invalid project: \nrun must have a value, a has an empty run key",
    );
    expect(rejectionMessage(oneAction(["run: python a.py", outputs]))).toBe(
      "Invalid project: \nAction command python must have a version specified in the form :vN (e.g. python:v2)",
    );
    expect(rejectionMessage(oneAction(["run: python:v1:x a.py", outputs]))).toBe(
      "Invalid project: \nAction command python must have a version specified in the form :vN (e.g. python:v2)",
    );
  });

  it("turns upstream's crashes into validation errors of ours", () => {
    const outputs = "outputs: {highly_sensitive: {x: x.csv}}";
    expect(rejectionMessage(oneAction(['run: "  "', outputs]))).toBe(
      "Invalid project: \nrun must have a value, a has an empty run key",
    );
    expect(rejectionMessage(oneAction([`run: "python:v2 'oops"`, outputs]))).toBe(
      "Invalid project: \n`run` section for action a cannot be parsed: No closing quotation",
    );
  });
});

describe("--config", () => {
  it("appends json.dumps(config) with ' escaped, re-quoted as shlex.join does", () => {
    const text = oneAction([
      "run: python:v2 x.py",
      "outputs: {highly_sensitive: {x: x.csv}}",
      "config:",
      "  a: 1",
      "  b: 1.0",
      "  c: [true, false, null]",
      `  d: {e: "it's"}`,
      '  u: "café ☃ 😀"',
      '  tab: "a\\tb"',
      "  f: 1.0e+16",
      "  g: 1.0e-5",
      "  h: 0.1",
      "  i: 123456789012345678901234567890",
      "  j: .inf",
      "  k: .nan",
      "  1: int key",
      "  2.5: float key",
      "  null: none",
    ]);
    expect(onlyAction(text).runCommand).toBe(
      `python:v2 x.py --config '{"a": 1, "b": 1.0, "c": [true, false, null], "d": {"e": "it\\u0027s"}, ` +
        `"u": "caf\\u00e9 \\u2603 \\ud83d\\ude00", "tab": "a\\tb", "f": 1e+16, "g": 1e-05, "h": 0.1, ` +
        `"i": 123456789012345678901234567890, "j": Infinity, "k": NaN, "1": "int key", "2.5": "float key", "null": "none"}'`,
    );
  });

  it("quotes the other words too", () => {
    const text = oneAction([`run: r:v1 "it's"`, "outputs: {highly_sensitive: {x: x.csv}}", 'config: {q: "a\'b"}']);
    const action = onlyAction(text);
    expect(action.runCommand).toBe(`r:v1 'it'"'"'s' --config '{"q": "a\\u0027b"}'`);
    expect(action.config).toEqual({ q: "a'b" });
  });

  it("adds nothing for an empty or null config", () => {
    const empty = onlyAction(oneAction(["run: python:v2 x.py", "outputs: {highly_sensitive: {x: x.csv}}", "config: {}"]));
    expect(empty.runCommand).toBe("python:v2 x.py");
    expect(empty.config).toEqual({});
    const none = onlyAction(oneAction(["run: python:v2 x.py", "outputs: {highly_sensitive: {x: x.csv}}", "config:"]));
    expect(none.runCommand).toBe("python:v2 x.py");
    expect(none.config).toBeUndefined();
  });
});
