/**
 * `--help` for every command in the registry (found by walking the program, so a newly registered
 * command is covered without editing this file): exit 0, the command's usage and description on
 * stdout, nothing on stderr, and no call made (the controller URL points at a closed port).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../../cli/cli-program.js";
import { rapInProcess } from "../../support/cli-runtime.js";

function commandPaths(command: Command, prefix: readonly string[] = []): string[][] {
  return command.commands
    .filter((sub) => sub.name() !== "help")
    .flatMap((sub) => [[...prefix, sub.name()], ...commandPaths(sub, [...prefix, sub.name()])]);
}

const program = buildProgram(
  {
    io: {
      stdout: () => undefined,
      stderr: () => undefined,
      confirm: () => Promise.resolve(false),
      ask: () => Promise.resolve(undefined),
      isTerminal: false,
    },
    env: {},
    cwd: "/",
    now: () => new Date(0),
    readFile: () => "",
    stopSignal: () => new AbortController().signal,
    shutdownSignals: () => ({ drain: new AbortController().signal, cancel: new AbortController().signal }),
    sleep: () => Promise.resolve(),
  },
  () => undefined,
);
const PATHS = commandPaths(program);
const env = { RAP_CONTROLLER_URL: "http://127.0.0.1:9", RAP_ADMIN_TOKEN: "unused" };

describe("rap --help", () => {
  it("lists every command with its description and exits 0", async () => {
    const result = await rapInProcess(["--help"], { env });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/^Usage: rap \[options\] \[command\]\n/);
    for (const command of program.commands) {
      expect(result.stdout).toContain(`  ${command.name()}`);
      expect(result.stdout.replace(/\s+/g, " ")).toContain(command.description().replace(/\s+/g, " "));
    }
  });

  it("knows the commands the team relies on", () => {
    expect(PATHS.map((words) => words.join(" "))).toEqual(
      expect.arrayContaining([
        "all-in-one",
        "controller",
        "agent",
        "migrate",
        "validate",
        "jobs",
        "job",
        "cancel-job",
        "kill-job",
        "add-job",
        "flags",
        "flags get",
        "flags set",
        "pause",
        "db-maintenance",
        "prepare-for-reboot",
        "agents",
        "task kill",
        "manifest update-out-of-date-actions",
        "manifest add-old-job",
        "workspace archive",
        "workspace unarchive",
        "completion",
      ]),
    );
  });

  it.each(PATHS.map((words) => [words.join(" "), words]))("rap %s --help prints its usage and exits 0", async (_name, words) => {
    for (const flag of ["--help", "-h"]) {
      const result = await rapInProcess([...words, flag], { env });
      expect(result).toMatchObject({ code: 0, stderr: "" });
      expect(result.stdout).toMatch(new RegExp(`^Usage: rap ${words.join(" ")}[ |]`));
      const command = words.reduce<Command>((at, name) => at.commands.find((sub) => sub.name() === name)!, program);
      expect(command.description()).not.toBe("");
      expect(result.stdout.replace(/\s+/g, " ")).toContain(command.description().replace(/\s+/g, " "));
    }
  });

  it("rap help COMMAND is the same as rap COMMAND --help", async () => {
    expect(await rapInProcess(["help", "jobs"], { env })).toEqual(await rapInProcess(["jobs", "--help"], { env }));
  });

  it("rap --version prints the package version", async () => {
    const { version } = JSON.parse(readFileSync(path.resolve(import.meta.dirname, "../../../package.json"), "utf8")) as {
      version: string;
    };
    expect(await rapInProcess(["--version"])).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
  });
});
