import { describe, expect, it } from "vitest";
import { runArgv } from "../../../runtime-drivers/container-cli/argv.js";
import { DOCKER_QUIRKS, PODMAN_QUIRKS, quirksFor } from "../../../runtime-drivers/container-cli/quirks.js";
import type { JobDefinition } from "../../../runtime-drivers/types.js";

const job: JobDefinition = {
  id: "jobid0000000001a",
  rapId: "abcdefgh23456789",
  taskId: "jobid0000000001a-001",
  repoUrl: "https://github.com/opensafely/study",
  commit: "c".repeat(40),
  study: { gitRepoUrl: "https://github.com/opensafely/study", commit: "c".repeat(40), branch: "main" },
  workspace: "ws",
  action: "analyse",
  createdAt: 1_700_000_000,
  image: "ghcr.io/opensafely-core/python:v2",
  args: ["analysis/run.py", "--flag", "a b"],
  env: { OPENSAFELY_BACKEND: "test" },
  inputJobIds: [],
  outputSpec: { "output/*.csv": "moderately_sensitive" },
  allowDatabaseAccess: false,
  level4MaxCsvRows: 5000,
  level4MaxFilesize: 16777216,
  level4FileTypes: [".csv"],
  user: "someone",
  cpuCount: "2",
  memoryLimit: "4G",
};

describe("runArgv", () => {
  it("builds upstream's hardened docker run for a job without database access", () => {
    expect(
      runArgv({
        job,
        containerName: "os-job-jobid0000000001a",
        volumeDir: "/srv/volumes/jobid0000000001a",
        image: job.image,
        user: "10000:10000",
        envNames: ["OPENSAFELY_BACKEND"],
        quirks: DOCKER_QUIRKS,
      }),
    ).toEqual([
      "run",
      "--init",
      "--detach",
      "--label",
      "job-runner",
      "--name",
      "os-job-jobid0000000001a",
      "--pull=never",
      "--log-driver",
      "local",
      "--log-opt",
      "max-file=200",
      "--log-opt",
      "max-size=20m",
      "--log-opt",
      "compress=true",
      "--cpus",
      "2",
      "--memory",
      "4G",
      "--network",
      "none",
      "--user",
      "10000:10000",
      "--cap-drop",
      "ALL",
      "--security-opt",
      "no-new-privileges",
      "-e",
      "HOME=/tmp",
      "--mount",
      "type=bind,source=/srv/volumes/jobid0000000001a,target=/workspace",
      "--label",
      "jobrunner-local",
      "--label",
      "workspace=ws",
      "--label",
      "action=analyse",
      "--label",
      "job-id=jobid0000000001a",
      "--label",
      "task-id=jobid0000000001a-001",
      "--env",
      "OPENSAFELY_BACKEND",
      "ghcr.io/opensafely-core/python:v2",
      "analysis/run.py",
      "--flag",
      "a b",
    ]);
  });

  it("puts a database job on the database network only, and never a value on the command line", () => {
    const argv = runArgv({
      job: { ...job, allowDatabaseAccess: true },
      containerName: "os-job-x",
      volumeDir: "/v",
      image: job.image,
      user: "1:1",
      databaseNetwork: { name: "jobrunner-db", extraArgs: ["--dns", "192.0.2.0"] },
      envNames: ["OPENSAFELY_BACKEND", "DATABASE_URL"],
      quirks: DOCKER_QUIRKS,
    });
    expect(argv.slice(argv.indexOf("--network"), argv.indexOf("--network") + 4)).toEqual([
      "--network",
      "jobrunner-db",
      "--dns",
      "192.0.2.0",
    ]);
    expect(argv).not.toContain("none");
    expect(argv.filter((word) => word.includes("DATABASE_URL"))).toEqual(["DATABASE_URL"]);
  });

  it("limits the job's processes and threads with --pids-limit right after its memory limit", () => {
    const input = {
      job,
      containerName: "os-job-x",
      volumeDir: "/v",
      image: job.image,
      user: "1:1",
      envNames: [],
      quirks: DOCKER_QUIRKS,
    };
    const limited = runArgv({ ...input, pidsLimit: 1024 });
    expect(limited.slice(limited.indexOf("--memory"), limited.indexOf("--memory") + 4)).toEqual([
      "--memory",
      "4G",
      "--pids-limit",
      "1024",
    ]);
    expect(runArgv({ ...input, pidsLimit: 0 })).not.toContain("--pids-limit");
  });

  it("gives a database job no network at all when no database network is configured", () => {
    const argv = runArgv({
      job: { ...job, allowDatabaseAccess: true },
      containerName: "n",
      volumeDir: "/v",
      image: "i",
      user: "1:1",
      envNames: [],
      quirks: DOCKER_QUIRKS,
    });
    expect(argv.slice(argv.indexOf("--network"), argv.indexOf("--network") + 2)).toEqual(["--network", "none"]);
  });

  it("uses podman's log driver and leaves out limits that are not set", () => {
    const argv = runArgv({
      job: { ...job, cpuCount: undefined, memoryLimit: undefined },
      containerName: "n",
      volumeDir: "/v",
      image: "i",
      user: "1:1",
      envNames: [],
      quirks: PODMAN_QUIRKS,
    });
    expect(argv.slice(8, 10)).toEqual(["--log-driver", "k8s-file"]);
    expect(argv).not.toContain("--cpus");
    expect(argv).not.toContain("--memory");
  });

  it("picks the quirks table from the binary name", () => {
    expect(quirksFor("/usr/bin/podman")).toBe(PODMAN_QUIRKS);
    expect(quirksFor("docker")).toBe(DOCKER_QUIRKS);
  });
});
