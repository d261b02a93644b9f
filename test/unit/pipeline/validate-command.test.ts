// The `rap validate` command: output in both modes and exit codes.
import { describe, expect, it } from "vitest";
import { runValidateCommand } from "../../../controller/pipeline/validate-command.js";

const VALID = [
  "version: 5",
  "actions:",
  "  a:",
  "    run: python:v2 a.py",
  "    outputs: {highly_sensitive: {x: output/a.csv}}",
  "  b:",
  "    run: python:v2 b.py",
  "    needs: [a]",
  "    outputs: {moderately_sensitive: {y: output/b.csv}}",
  "",
].join("\n");

const OLD = VALID.replace("version: 5", "version: 4");
const INVALID = VALID.replace("needs: [a]", "needs: [c]");

function run(args: string[], files: Record<string, string> = {}) {
  let stdout = "";
  let stderr = "";
  const code = runValidateCommand(args, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
      return text;
    },
  });
  return { code, stdout, stderr };
}

describe("rap validate", () => {
  it("reports a valid project", () => {
    expect(run(["project.yaml"], { "project.yaml": VALID })).toEqual({
      code: 0,
      stdout: "project.yaml is valid: 2 actions\n",
      stderr: "",
    });
  });

  it("writes warnings to stderr", () => {
    expect(run(["p.yaml"], { "p.yaml": OLD })).toEqual({
      code: 0,
      stdout: "p.yaml is valid: 2 actions\n",
      stderr: "warning: ProjectWarning: Your project file is using an old version (4.0); consider updating to version 5\n",
    });
  });

  it("reports an invalid project", () => {
    expect(run(["project.yaml"], { "project.yaml": INVALID })).toEqual({
      code: 1,
      stdout: "project.yaml is invalid: Action `b` references an unknown action in its `needs` list: c\n",
      stderr: "",
    });
  });

  it("--json: valid", () => {
    expect(run(["--json", "project.yaml"], { "project.yaml": OLD })).toEqual({
      code: 0,
      stdout: '{"valid": true}\n',
      stderr: "",
    });
  });

  it("--json: invalid, with upstream's full message", () => {
    expect(run(["project.yaml", "--json"], { "project.yaml": INVALID })).toEqual({
      code: 1,
      stdout: '{"valid": false, "error": "Invalid project: \\nAction `b` references an unknown action in its `needs` list: c"}\n',
      stderr: "",
    });
  });

  it("--json escapes like Python's json.dumps", () => {
    const result = run(["--json", "p.yaml"], { "p.yaml": VALID.replace("version: 5", "version: 5\n'flavour\\café\"\t': x") });
    expect(result).toEqual({
      code: 1,
      stdout: '{"valid": false, "error": "Invalid project: \\nUnexpected parameters (flavour\\\\caf\\u00e9\\"\\t) in project"}\n',
      stderr: "",
    });
    const yamlError = run(["--json", "p.yaml"], { "p.yaml": "a: 1\na: 'é'\n" });
    expect(yamlError.code).toBe(1);
    expect(yamlError.stdout).toBe(
      '{"valid": false, "error": "while constructing a mapping\\n  in \\"<unicode string>\\", line 1, column 1:\\n' +
        '    a: 1\\n    ^ (line: 1)\\nfound duplicate key \\"a\\" with value \\"\\u00e9\\" (original value: \\"1\\")\\n' +
        '  in \\"<unicode string>\\", line 2, column 1:\\n    a: \'\\u00e9\'\\n    ^ (line: 2)"}\n',
    );
  });

  it("counts one action in the singular", () => {
    const one = VALID.split("\n").slice(0, 5).join("\n");
    expect(run(["p.yaml"], { "p.yaml": one }).stdout).toBe("p.yaml is valid: 1 action\n");
  });

  it("usage errors exit 2", () => {
    const usage = "usage: rap validate [--json] <project.yaml>\n";
    expect(run([])).toEqual({ code: 2, stdout: "", stderr: `rap validate: missing <project.yaml> argument\n${usage}` });
    expect(run(["--yaml", "p.yaml"])).toEqual({ code: 2, stdout: "", stderr: `rap validate: unknown option: --yaml\n${usage}` });
    expect(run(["a.yaml", "b.yaml"])).toEqual({
      code: 2,
      stdout: "",
      stderr: `rap validate: unexpected argument: b.yaml\n${usage}`,
    });
    expect(run(["--help"])).toEqual({ code: 0, stdout: usage, stderr: "" });
  });

  it("an unreadable file exits 2", () => {
    expect(run(["--json", "missing.yaml"])).toEqual({
      code: 2,
      stdout: "",
      stderr: "rap validate: cannot read missing.yaml: ENOENT: no such file or directory, open 'missing.yaml'\n",
    });
  });

  it("-- ends the options", () => {
    expect(run(["--", "--json"], { "--json": VALID })).toEqual({ code: 0, stdout: "--json is valid: 2 actions\n", stderr: "" });
  });
});
