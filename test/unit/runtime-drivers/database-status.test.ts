/**
 * DBSTATUS / DBDATACHECK on the agent (reference/jobrunner.md §5.13): the command line, the
 * allow-listed last line, and results in upstream's two shapes. The command runner is faked here
 * (the process boundary); test/integration/admin-scenarios.test.ts runs the real container.
 */
import { describe, expect, it } from "vitest";
import {
  databaseTaskArgv,
  parseDatabaseTaskOutput,
  runDatabaseStatus,
  type DatabaseTaskSpec,
} from "../../../runtime-drivers/database-status.js";
import type { CommandRunner, RunOptions } from "../../../runtime-drivers/exec.js";
import { mapImage } from "../../../runtime-drivers/image-map.js";

const spec: DatabaseTaskSpec = {
  kind: "dbstatus",
  image: "ghcr.io/opensafely-core/tpp-database-utils:latest",
  args: [],
  network: "jobrunner-db",
  extraNetworkArgs: ["--dns", "192.0.2.0"],
  databaseUrl: "mssql://secret@db",
  pullNever: true,
};

function fakeRunner(
  exitCode: number,
  stdout: string,
  seen: { file?: string; args?: readonly string[]; options?: RunOptions } = {},
): CommandRunner {
  return {
    run: (file, args, options) => {
      Object.assign(seen, { file, args, options });
      return Promise.resolve({ exitCode, stdout, stderr: "leaked secret data", all: stdout });
    },
  };
}

describe("database task command line", () => {
  it("runs upstream's command on the database network, passing DATABASE_URL by name", () => {
    expect(databaseTaskArgv(spec)).toEqual([
      "run",
      "--rm",
      "--label",
      "job-runner-db-task",
      "--pull=never",
      "-e",
      "DATABASE_URL",
      "--network",
      "jobrunner-db",
      "--dns",
      "192.0.2.0",
      "ghcr.io/opensafely-core/tpp-database-utils:latest",
      "in_maintenance_mode",
    ]);
  });

  it("uses the definition's args when given, and the data check's default command", () => {
    expect(
      databaseTaskArgv({
        ...spec,
        args: ["-c", "echo db-maintenance"],
        databaseUrl: undefined,
        pullNever: false,
        network: "none",
        extraNetworkArgs: [],
      }),
    ).toEqual(["run", "--rm", "--label", "job-runner-db-task", "--network", "none", spec.image, "-c", "echo db-maintenance"]);
    expect(databaseTaskArgv({ ...spec, kind: "dbdatacheck", hesExpectedActivityMonth: "202304" }).slice(-2)).toEqual([
      "hes_cutoff_date_check",
      "202304",
    ]);
  });
});

describe("allow-listed answers", () => {
  it.each([
    ["", ""],
    ["db-maintenance", "db-maintenance"],
    ["db-maintenance;0", "db-maintenance"],
    ["db-maintenance;2", "db-maintenance"],
    ["none;1", ""],
    ["some log line\n  db-maintenance  \n", "db-maintenance"],
  ])("DBSTATUS %j reports %j", (stdout, status) => {
    expect(parseDatabaseTaskOutput("dbstatus", stdout)).toBe(status);
  });

  it("refuses anything else without echoing it", () => {
    const attempt = () => parseDatabaseTaskOutput("dbstatus", "patient 1234, born 1970\n");
    expect(attempt).toThrow(
      "Invalid status, expected one of: ,db-maintenance,db-maintenance;0,none;0,db-maintenance;1,none;1,db-maintenance;2,none;2",
    );
    expect(attempt).not.toThrow(/1234/);
    expect(parseDatabaseTaskOutput("dbdatacheck", "OK\n")).toBe("OK");
    expect(() => parseDatabaseTaskOutput("dbdatacheck", "db-maintenance")).toThrow("Invalid status, expected one of: OK,FAILED");
  });
});

describe("runDatabaseStatus", () => {
  const signal = new AbortController().signal;

  it("returns upstream's results shape, with the secret only in the child's environment", async () => {
    const seen: { file?: string; args?: readonly string[]; options?: RunOptions } = {};
    expect(await runDatabaseStatus(fakeRunner(0, "db-maintenance\n", seen), "docker", spec, signal)).toEqual({
      results: { status: "db-maintenance" },
      error: null,
    });
    expect(seen.file).toBe("docker");
    expect(seen.options?.env).toEqual({ DATABASE_URL: "mssql://secret@db" });
    expect(seen.args?.join(" ")).not.toContain("secret");
  });

  it("turns failures into error results that carry no output", async () => {
    expect(await runDatabaseStatus(fakeRunner(3, "db-maintenance"), "docker", spec, signal)).toEqual({
      results: null,
      error: { type: "Error", message: `${spec.image} exited with code 3` },
    });
    const invalid = await runDatabaseStatus(fakeRunner(0, "SELECT * FROM patients"), "docker", spec, signal);
    expect(invalid.error?.type).toBe("ValueError");
    expect(JSON.stringify(invalid)).not.toContain("patients");
  });
});

describe("image map", () => {
  it("maps exact images first, then registry prefixes", () => {
    const map = { "ghcr.io/opensafely-core/tpp-database-utils:latest": "local/utils:1", "ghcr.io/": "mirror.local/" };
    expect(mapImage("ghcr.io/opensafely-core/tpp-database-utils:latest", map)).toBe("local/utils:1");
    expect(mapImage("ghcr.io/opensafely-core/python:v2", map)).toBe("mirror.local/opensafely-core/python:v2");
    expect(mapImage("docker.io/x", map)).toBe("docker.io/x");
  });
});
