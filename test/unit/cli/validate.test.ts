/**
 * `rap validate` end to end through the real CLI (in process, real files in a temporary
 * directory): both output forms, the exit codes (0 valid, 1 invalid, 2 usage), --help, and the
 * reusable actions list from a file, from a reachable URL (a local server) and from an unreachable one.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rapInProcess } from "../../support/cli-runtime.js";

const VALID = [
  "version: 5",
  "actions:",
  "  a:",
  "    run: python:v2 a.py",
  "    outputs: {highly_sensitive: {x: output/a.csv}}",
  "  b:",
  "    run: python:v2 b.py output/a.csv",
  "    needs: [a]",
  "    outputs: {moderately_sensitive: {y: output/b.csv}}",
  "",
].join("\n");

const SEVERAL_ERRORS = [
  "version: 5",
  "actions:",
  "  a:",
  "    run: pyhton:v2 a.py",
  "    outputs: {highly_sensitive: {x: output/a.csv}}",
  "  b:",
  "    run: python:v2 b.py",
  "    needs: [c]",
  "    output: {moderately_sensitive: {y: output/b.csv}}",
  "",
].join("\n");

const REUSABLE = VALID.replace("run: python:v2 a.py", "run: cohort-joiner:v0.0.38 --lhs output/a.csv");

let dir = "";
const file = (name: string) => path.join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "rap-validate-"));
  writeFileSync(file("valid.yaml"), VALID);
  writeFileSync(file("old.yaml"), VALID.replace("version: 5", "version: 4"));
  writeFileSync(file("errors.yaml"), SEVERAL_ERRORS);
  writeFileSync(file("reusable.yaml"), REUSABLE);
  writeFileSync(file("escapes.yaml"), VALID.replace("version: 5", "version: 5\n'flavour\\café\"\t': x"));
  writeFileSync(file("actions.txt"), "# the actions that exist\ncohort-joiner\ndeciles-charts\n");
  writeFileSync(file("other-actions.json"), JSON.stringify([{ name: "kaplan-meier-function" }, "cohort-joiners"]));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("rap validate: human output", () => {
  it("a valid project: exit 0 and the action count", async () => {
    expect(await rapInProcess(["validate", file("valid.yaml")])).toEqual({
      code: 0,
      stdout: `${file("valid.yaml")} is valid: 2 actions\n`,
      stderr: "",
    });
  });

  it("warnings keep exit 0", async () => {
    const f = file("old.yaml");
    expect(await rapInProcess(["validate", f])).toEqual({
      code: 0,
      stdout:
        `${f}:1:10: warning: [version] ProjectWarning: Your project file is using an old version (4.0); consider updating to version 5\n` +
        `${f} is valid: 2 actions, 1 warning\n`,
      stderr: "",
    });
  });

  it("several errors: all of them, with file, line, column, key and suggestion; exit 1", async () => {
    const f = file("errors.yaml");
    expect(await rapInProcess(["validate", f])).toEqual({
      code: 1,
      stdout: [
        `${f}:6:3: error: [actions.b] Action b must contain a configuration for 'outputs'`,
        `${f}:9:5: error: [actions.b.output] Unexpected parameters (output) in action b (did you mean 'outputs'?)`,
        `${f}:8:13: error: [actions.b.needs[0]] Action \`b\` references an unknown action in its \`needs\` list: c (did you mean 'a'?)`,
        `${f}:4:10: error: [actions.a.run] Action a uses \`pyhton\`, which is not a built-in image, so it would be looked up as a reusable action (did you mean 'python'?)`,
        `${f} is invalid: 4 errors`,
        "",
      ].join("\n"),
      stderr: "",
    });
  });
});

describe("rap validate --json", () => {
  it("a valid project gives an empty list", async () => {
    expect(await rapInProcess(["validate", "--json", file("valid.yaml")])).toEqual({ code: 0, stdout: "[]\n", stderr: "" });
  });

  it("one line: a list of diagnostics, the first message exactly upstream's, without the `Invalid project` prefix", async () => {
    const f = file("errors.yaml");
    const result = await rapInProcess(["validate", f, "--json"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("");
    expect(result.stdout.split("\n")).toHaveLength(2);
    const diagnostics = JSON.parse(result.stdout) as Record<string, unknown>[];
    expect(diagnostics.map((d) => [d.severity, d.line, d.column, d.key])).toEqual([
      ["error", 6, 3, "actions.b"],
      ["error", 9, 5, "actions.b.output"],
      ["error", 8, 13, "actions.b.needs[0]"],
      ["error", 4, 10, "actions.a.run"],
    ]);
    expect(
      result.stdout.startsWith(
        `[{"severity": "error", "message": "Action b must contain a configuration for 'outputs'", "file": ${JSON.stringify(f)}, ` +
          '"line": 6, "column": 3, "key": "actions.b", "hint": null}, ',
      ),
    ).toBe(true);
    expect(diagnostics[1]).toEqual({
      severity: "error",
      message: "Unexpected parameters (output) in action b",
      file: f,
      line: 9,
      column: 5,
      key: "actions.b.output",
      hint: "did you mean 'outputs'?",
    });
  });

  it("escapes like Python's json.dumps", async () => {
    const f = file("escapes.yaml");
    expect(await rapInProcess(["validate", "--json", f])).toEqual({
      code: 1,
      stdout:
        '[{"severity": "error", "message": "Unexpected parameters (flavour\\\\caf\\u00e9\\"\\t) in project", ' +
        `"file": ${JSON.stringify(f)}, "line": 2, "column": 1, "key": "flavour\\\\caf\\u00e9\\"\\t", "hint": null}]\n`,
      stderr: "",
    });
  });
});

describe("rap validate --actions-list", () => {
  let server: Server;
  let url = "";

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === "/actions.json") {
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify(["cohort-joiner", "deciles-charts"]));
      } else {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("without a list, an image name far from every built-in one is taken for a reusable action", async () => {
    expect((await rapInProcess(["validate", file("reusable.yaml")])).code).toBe(0);
  });

  it("from a file: listed names pass, others are errors with the closest listed name", async () => {
    const f = file("reusable.yaml");
    expect(await rapInProcess(["validate", "--actions-list", file("actions.txt"), f])).toEqual({
      code: 0,
      stdout: `${f} is valid: 2 actions\n`,
      stderr: "",
    });
    expect(await rapInProcess(["validate", "--actions-list", file("other-actions.json"), f])).toEqual({
      code: 1,
      stdout:
        `${f}:4:10: error: [actions.a.run] Action a uses \`cohort-joiner\`, which is neither a built-in image ` +
        "(ehrql, jupyter, python, r, sqlrunner, stata-mp) nor a reusable action in the actions list (did you mean 'cohort-joiners'?)\n" +
        `${f} is invalid: 1 error\n`,
      stderr: "",
    });
  });

  it("from a reachable URL", async () => {
    const f = file("reusable.yaml");
    expect(await rapInProcess(["validate", "--actions-list", `${url}/actions.json`, f])).toEqual({
      code: 0,
      stdout: `${f} is valid: 2 actions\n`,
      stderr: "",
    });
  });

  it("an unreachable URL is skipped with a notice: the network is never required", async () => {
    const f = file("reusable.yaml");
    expect(await rapInProcess(["validate", "--actions-list", `${url}/missing.json`, f])).toEqual({
      code: 0,
      stdout: `${f} is valid: 2 actions\n`,
      stderr: `rap validate: actions list ${url}/missing.json not reachable (HTTP 404); reusable action names are not checked\n`,
    });
  });
});

describe("the researchers' guide shows real output", () => {
  const guide = readFileSync(path.resolve(import.meta.dirname, "../../../docs/researchers.md"), "utf8");
  const blocks = (language: string) =>
    [...guide.matchAll(/```(\w+)\n([\s\S]*?)```/g)].filter((m) => m[1] === language).map((m) => m[2] ?? "");

  it("the example of several errors is what rap validate prints for that file", async () => {
    const f = file("errors.yaml");
    const { stdout } = await rapInProcess(["validate", f]);
    expect(blocks("text")[0]).toBe(stdout.replaceAll(f, "project.yaml"));
  });

  it("the --json example is its first diagnostic", async () => {
    const f = file("errors.yaml");
    const { stdout } = await rapInProcess(["validate", "--json", f]);
    const first = (JSON.parse(stdout) as unknown[])[0];
    expect(JSON.parse(blocks("json")[0] ?? "")).toEqual([{ ...(first as object), file: "project.yaml" }]);
  });
});

describe("rap validate: usage", () => {
  it("--help describes the command, its output and exit codes, and checks nothing", async () => {
    const before = readdirSync(dir);
    const result = await rapInProcess(["validate", "--help"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/^Usage: rap validate \[options\] <project\.yaml>\n/);
    expect(result.stdout).toContain("--actions-list <file-or-url>");
    expect(result.stdout).toContain(
      "Exit codes: 0 valid (possibly with warnings), 1 invalid, 2 wrong usage or the file cannot be read.",
    );
    expect(readdirSync(dir)).toEqual(before);
  });

  it("wrong usage exits 2 with a message", async () => {
    const hint = "(add --help for usage)\n";
    expect(await rapInProcess(["validate"])).toEqual({
      code: 2,
      stdout: "",
      stderr: `error: missing required argument 'project.yaml'\n${hint}`,
    });
    expect(await rapInProcess(["validate", "--yaml", "p.yaml"])).toEqual({
      code: 2,
      stdout: "",
      stderr: `error: unknown option '--yaml'\n${hint}`,
    });
    expect(await rapInProcess(["validate", "a.yaml", "b.yaml"])).toEqual({
      code: 2,
      stdout: "",
      stderr: `error: too many arguments for 'validate'. Expected 1 argument but got 2.\n${hint}`,
    });
  });

  it("an unreadable project file or actions list exits 2", async () => {
    const missing = file("missing.yaml");
    expect(await rapInProcess(["validate", "--json", missing])).toEqual({
      code: 2,
      stdout: "",
      stderr: `rap validate: cannot read ${missing}: ENOENT: no such file or directory, open '${missing}'\n(run 'rap validate --help' for usage)\n`,
    });
    expect(await rapInProcess(["validate", "--actions-list", missing, file("valid.yaml")])).toEqual({
      code: 2,
      stdout: "",
      stderr: `rap validate: cannot read the actions list ${missing}: ENOENT: no such file or directory, open '${missing}'\n(run 'rap validate --help' for usage)\n`,
    });
  });
});
