/**
 * `--help` of the commands that start services or write the database, through the real bin/rap.js:
 * exit 0 with the help text, and nothing started or written (the process ends by itself, its
 * working directory, WORKDIR and DATABASE_FILE stay empty). The control case shows the check can
 * fail: the same `rap migrate` without --help does create the database file.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const execute = promisify(execFile);
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function rapIn(dir: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: dir,
    WORKDIR: path.join(dir, "workdir"),
    DATABASE_FILE: path.join(dir, "db.sqlite"),
    PORT: "0",
    BACKENDS: "test",
    BACKEND: "test",
    CONTROLLER_URL: "http://127.0.0.1:9",
    AGENT_TOKEN: "t",
    AGENT_WORKDIR: path.join(dir, "agent"),
  };
  try {
    const { stdout, stderr } = await execute(process.execPath, [path.join(root, "bin/rap.js"), ...args], {
      env,
      cwd: dir,
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

describe("service commands' --help starts nothing and writes nothing", () => {
  it.each(["all-in-one", "controller", "agent", "migrate"])("rap %s --help", async (command) => {
    const dir = mkdtempSync(path.join(tmpdir(), "rap-help-"));
    dirs.push(dir);
    const result = await rapIn(dir, [command, "--help"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    // `rap agent` also has a subcommand (`rap agent status`).
    expect(result.stdout).toMatch(
      new RegExp(`^Usage: rap ${command} \\[options\\]${command === "agent" ? " \\[command\\]" : ""}\\n\\n`),
    );
    expect(result.stdout).not.toContain("listening");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("control: rap migrate without --help does write the database", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "rap-help-"));
    dirs.push(dir);
    const result = await rapIn(dir, ["migrate"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^created new db at ${path.join(dir, "db.sqlite")}\\n`));
    expect(readdirSync(dir)).toContain("db.sqlite");
  });
});
