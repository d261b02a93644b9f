/**
 * `rap run` driven as a person would drive it, in a real terminal (tmux): an action's lines appear
 * while it is still running, and Ctrl-C ends the run and leaves no container behind.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { RAP_COMMAND, STANDIN_IMAGE_MAP_ENV } from "../support/rap-cli.js";
import { createStudyDir, listFiles, removeStudyDirs } from "../support/study-dir.js";
import { startTmux, type TmuxTerminal } from "../support/tmux-terminal.js";

/** One action that prints, waits (until the test drops a `go` file in its working directory, at most 120 s), prints. */
const SLOW_STUDY = {
  "project.yaml": [
    'version: "5.0"',
    "actions:",
    "  slow:",
    "    run: python:v2 analysis/slow.sh",
    "    outputs:",
    "      moderately_sensitive:",
    "        done: output/done.txt",
    "",
  ].join("\n"),
  "analysis/slow.sh": [
    "echo 'first line'",
    "i=0; while [ ! -f go ] && [ $i -lt 2400 ]; do sleep 0.05; i=$((i + 1)); done",
    "echo 'second line'",
    "mkdir -p output; echo done > output/done.txt",
    "",
  ].join("\n"),
};

function jobIdIn(pane: string): string {
  const id = /slow \| started \(job ([a-z2-7]{16})\)/.exec(pane)?.[1];
  if (!id) throw new Error(`no job id in pane:\n${pane}`);
  return id;
}

function containersOf(jobId: string): string {
  return execFileSync(
    "docker",
    ["container", "ls", "--all", "--filter", `name=os-job-${jobId}`, "--format", "{{.Names}} {{.State}}"],
    {
      encoding: "utf8",
    },
  ).trim();
}

describe("rap run in a terminal", () => {
  let terminal: TmuxTerminal | undefined;
  afterEach(() => {
    terminal?.dispose();
    terminal = undefined;
    removeStudyDirs();
  });

  it("shows an action's lines while it is still running", async () => {
    const study = createStudyDir(SLOW_STUDY);
    terminal = startTmux({ cwd: study, env: { RAP_IMAGE_MAP: STANDIN_IMAGE_MAP_ENV } });
    terminal.runAndReport(`${RAP_COMMAND} run slow`);
    const pane = await terminal.waitForText((text) => text.includes("slow | first line"), "the first line of the running job");
    const jobId = jobIdIn(pane);
    // The job is still running: its container is up and its second line has not been printed.
    expect(containersOf(jobId)).toBe(`os-job-${jobId} running`);
    expect(terminal.capture()).not.toContain("second line");
    execFileSync("docker", ["container", "exec", `os-job-${jobId}`, "touch", "/workspace/go"]);
    expect(await terminal.waitForExit()).toBe(0);
    const final = terminal.capture();
    expect(final).toMatch(/slow \| first line\nslow \| second line\nslow \| succeeded: Completed successfully\n/);
    expect(final).toMatch(/ACTION +STATUS +TIME +OUTPUTS +LOG\nslow +succeeded +\d+\.\ds +1 +metadata\/slow\.log\n/);
    expect(readFileSync(path.join(study, "output/done.txt"), "utf8")).toBe("done\n");
    expect(containersOf(jobId)).toBe("");
  });

  it("stops on Ctrl-C, removes the job's container and working directory, and records nothing", async () => {
    const study = createStudyDir(SLOW_STUDY);
    const scratchParent = mkdtempSync(path.join(tmpdir(), "rap-run-tmp-"));
    terminal = startTmux({ cwd: study, env: { TMPDIR: scratchParent, RAP_IMAGE_MAP: STANDIN_IMAGE_MAP_ENV } });
    terminal.runAndReport(`${RAP_COMMAND} run slow`);
    const pane = await terminal.waitForText((text) => text.includes("slow | first line"), "the first line of the running job");
    const jobId = jobIdIn(pane);
    expect(containersOf(jobId)).toBe(`os-job-${jobId} running`);
    terminal.keys("C-c");
    expect(await terminal.waitForExit()).toBe(130);
    expect(terminal.capture()).toContain("Killed by user: the running containers were stopped and removed.");
    expect(containersOf(jobId)).toBe("");
    // Nothing of the run is left: no outputs, no record of the job, no scratch folder (working directory).
    expect(listFiles(study)).toEqual(["analysis/slow.sh", "project.yaml"]);
    expect(existsSync(path.join(study, "metadata"))).toBe(false);
    expect(readdirSync(scratchParent).filter((name) => name.startsWith("rap-run-"))).toEqual([]);
    rmSync(scratchParent, { recursive: true, force: true });
  });
});
