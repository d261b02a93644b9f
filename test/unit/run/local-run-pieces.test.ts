/** The pure and file-level pieces of `rap run`: study copy, line splitting, dependency order, tty argv. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Job } from "../../../controller/jobs/job.js";
import { dependencyOrder } from "../../../cli/run/local-plan.js";
import { LineSplitter } from "../../../cli/run/line-splitter.js";
import { execArgv, followLogsArgv, runArgv } from "../../../runtime-drivers/container-cli/argv.js";
import { DOCKER_QUIRKS } from "../../../runtime-drivers/container-cli/quirks.js";
import { copyStudyDirectory } from "../../../runtime-drivers/local-study-copy.js";
import type { JobDefinition } from "../../../runtime-drivers/types.js";
import { listFiles } from "../../support/study-dir.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "rap-unit-run-"));
  dirs.push(dir);
  return dir;
}

describe("copyStudyDirectory", () => {
  it("copies the code but no file matching an output pattern, and never .git or metadata/", async () => {
    const study = tempDir();
    for (const file of [
      "project.yaml",
      "analysis/a.sh",
      "output/dataset.csv",
      "output/keep.md",
      "output/sub/nested.csv",
      ".git/HEAD",
      "metadata/a.log",
      "lib/metadata/x.txt",
    ]) {
      mkdirSync(path.dirname(path.join(study, file)), { recursive: true });
      writeFileSync(path.join(study, file), file);
    }
    const target = tempDir();
    await copyStudyDirectory(study, target, ["output/*.csv", "output/sub/*.csv"], AbortSignal.timeout(10_000));
    expect(listFiles(target)).toEqual(["analysis/a.sh", "lib/metadata/x.txt", "output/keep.md", "project.yaml"]);
  });
});

describe("LineSplitter", () => {
  it("joins lines split across chunks, splits a multi-byte character safely and drops terminal CRs", () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    const bytes = Buffer.from("one\r\ntw€o\nthree");
    splitter.push(bytes.subarray(0, 7));
    splitter.push(bytes.subarray(7, 9));
    splitter.push(bytes.subarray(9));
    expect(lines).toEqual(["one", "tw€o"]);
    splitter.end();
    expect(lines).toEqual(["one", "tw€o", "three"]);
  });
});

describe("dependencyOrder", () => {
  const job = (action: string, needs: string[]) => ({ action, requiresOutputsFrom: needs }) as unknown as Job;

  it("puts every job after the jobs of the run it needs, keeping the planner's order otherwise", () => {
    const ordered = dependencyOrder([job("c", ["b"]), job("a", []), job("b", ["a", "outside"]), job("d", [])]);
    expect(ordered.map((each) => each.action)).toEqual(["a", "b", "c", "d"]);
  });
});

describe("container argv for local runs and operators", () => {
  const definition = {
    id: "jobid0000000001a",
    taskId: "jobid0000000001a-001",
    workspace: "ws",
    action: "a",
    args: ["x.sh"],
    allowDatabaseAccess: false,
  } as unknown as JobDefinition;

  it("gives the job a terminal only when asked, just before the image", () => {
    const base = {
      job: definition,
      containerName: "os-job-jobid0000000001a",
      volumeDir: "/v",
      image: "img",
      user: "1:1",
      envNames: [],
      quirks: DOCKER_QUIRKS,
    };
    expect(runArgv(base)).not.toContain("--tty");
    expect(runArgv({ ...base, tty: true }).slice(-3)).toEqual(["--tty", "img", "x.sh"]);
  });

  it("follows logs and opens an interactive session in the job's working directory", () => {
    expect(followLogsArgv("os-job-x", true)).toEqual(["container", "logs", "--follow", "os-job-x"]);
    expect(followLogsArgv("os-job-x", false)).toEqual(["container", "logs", "os-job-x"]);
    expect(execArgv("os-job-x", ["ls", "-l"])).toEqual([
      "container",
      "exec",
      "--interactive",
      "--tty",
      "--workdir",
      "/workspace",
      "os-job-x",
      "ls",
      "-l",
    ]);
  });
});
