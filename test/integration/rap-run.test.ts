/**
 * `rap run` on real studies with real containers (docker), with no controller: exact files in the
 * study directory, exact exit codes, and the same outcome for every action as the real controller
 * and agent produce for the same study.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readTree, runOnBackend } from "../support/backend-run.js";
import { jsonLines, REPO_ROOT, runRap } from "../support/rap-cli.js";
import { copyStudyDir, createStudyDir, FAILING_STUDY, listFiles, removeStudyDirs } from "../support/study-dir.js";

interface Record_ {
  job_id: string;
  created_at: number;
  state: string;
  status_code: string;
  status_message: string;
  outputs: string[];
}

function jobRecords(study: string): Record<string, Record_> {
  return JSON.parse(readFileSync(path.join(study, "metadata/.rap/jobs.json"), "utf8")) as Record<string, Record_>;
}

function month(seconds: number): string {
  const date = new Date(seconds * 1000);
  return `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, "0")}`;
}

/** The job-log files the run keeps for each action's latest job. */
function keptLogs(study: string, actions: readonly string[]): string[] {
  const records = jobRecords(study);
  return actions.flatMap((action) => {
    const record = records[action]!;
    const dir = `metadata/.rap/logs/${month(record.created_at)}/os-job-${record.job_id}`;
    return [`${dir}/logs.txt`, `${dir}/metadata.json`];
  });
}

function summaryOf(stdout: string) {
  const summary = jsonLines(stdout).find((line) => line.event === "summary") as {
    actions: { action: string; state: string; status_code: string; status_message: string }[];
  };
  return summary.actions
    .map(({ action, state, status_code, status_message }) => ({ action, status: state, status_code, status_message }))
    .sort((a, b) => a.action.localeCompare(b.action));
}

const EXAMPLE = path.join(REPO_ROOT, "examples/study");

describe("rap run", () => {
  afterEach(() => removeStudyDirs());

  it("runs run_all on the example study: exit 0, the study directory laid out as opensafely-cli's, outcomes as on a backend", async () => {
    const study = copyStudyDir(EXAMPLE);
    const result = await runRap(["run", "run_all", "--json"], { cwd: study });
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    const local = summaryOf(result.stdout);
    expect(local).toEqual([
      { action: "generate_dataset", status: "succeeded", status_code: "succeeded", status_message: "Completed successfully" },
      { action: "summarise", status: "succeeded", status_code: "succeeded", status_message: "Completed successfully" },
    ]);
    expect(listFiles(study)).toEqual(
      [
        "README.md",
        "analysis/generate_dataset.sh",
        "analysis/summarise.sh",
        "metadata/.rap/jobs.json",
        ...keptLogs(study, ["generate_dataset", "summarise"]),
        "metadata/generate_dataset.log",
        "metadata/manifest.json",
        "metadata/summarise.log",
        "output/dataset.csv",
        "output/report.txt",
        "output/summary_by_sex.csv",
        "project.yaml",
      ].sort(),
    );
    const outputLines = jsonLines(result.stdout).filter((line) => line.event === "output");
    expect(outputLines).toEqual([
      { event: "output", action: "generate_dataset", line: "generated 100 patients" },
      { event: "output", action: "summarise", line: "Summary of 100 patients written to output/summary_by_sex.csv" },
    ]);
    expect(readFileSync(path.join(study, "metadata/summarise.log"), "utf8")).toMatch(
      /^\S+Z Summary of 100 patients written to output\/summary_by_sex.csv\n\n=============JOB SUMMARY=============\n/,
    );
    const manifest = JSON.parse(readFileSync(path.join(study, "metadata/manifest.json"), "utf8")) as {
      outputs: Record<string, { action: string; level: string }>;
    };
    expect(Object.entries(manifest.outputs).map(([file, entry]) => [file, entry.action, entry.level])).toEqual([
      ["output/dataset.csv", "generate_dataset", "highly_sensitive"],
      ["output/summary_by_sex.csv", "summarise", "moderately_sensitive"],
      ["output/report.txt", "summarise", "moderately_sensitive"],
    ]);

    const backend = await runOnBackend(readTree(EXAMPLE));
    expect(local).toEqual(backend.jobs);
    expect(readTree(path.join(study, "output"))).toEqual(backend.outputs);

    // A second run has nothing to do; naming an action runs it again with its earlier input.
    const again = await runRap(["run", "run_all"], { cwd: study });
    expect([again.exitCode, again.stdout]).toEqual([
      0,
      "All actions have already completed successfully\nUse --force-run-dependencies (-f) or name the actions to run them again.\n",
    ]);
    const rerun = await runRap(["run", "summarise", "--json"], { cwd: study });
    expect(rerun.exitCode).toBe(0);
    expect(summaryOf(rerun.stdout).map((job) => [job.action, job.status_code])).toEqual([["summarise", "succeeded"]]);
  });

  it("runs a study with a failing action: exit 1, exact files, the same outcomes as controller + agent", async () => {
    const study = createStudyDir(FAILING_STUDY);
    const result = await runRap(["run", "run_all", "--json", "--image-map", "ghcr.io/opensafely-core/=rap-standin/"], {
      cwd: study,
      env: { RAP_IMAGE_MAP: "" },
    });
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(1);
    const local = summaryOf(result.stdout);
    expect(local).toEqual([
      { action: "analyse", status: "failed", status_code: "nonzero_exit", status_message: "Job exited with an error" },
      {
        action: "forgetful",
        status: "failed",
        status_code: "unmatched_patterns",
        status_message: "Outputs matching expected patterns were not found. See job log for details.",
      },
      { action: "prepare", status: "succeeded", status_code: "succeeded", status_message: "Completed successfully" },
      {
        action: "report",
        status: "failed",
        status_code: "dependency_failed",
        status_message: "Not starting as dependency failed",
      },
    ]);
    expect(listFiles(study)).toEqual(
      [
        "analysis/analyse.sh",
        "analysis/forgetful.sh",
        "analysis/prepare.sh",
        "analysis/report.sh",
        "metadata/.rap/jobs.json",
        ...keptLogs(study, ["prepare", "analyse", "forgetful"]),
        "metadata/analyse.log",
        "metadata/forgetful.log",
        "metadata/manifest.json",
        "metadata/prepare.log",
        // Outputs are kept even when the action exits non-zero, as on a backend.
        "output/prepared.csv",
        "output/table.csv",
        "project.yaml",
      ].sort(),
    );
    expect(readFileSync(path.join(study, "metadata/analyse.log"), "utf8")).toMatch(/^\S+Z analysis failed: no model\n\n=====/);

    const backend = await runOnBackend(FAILING_STUDY);
    expect(local).toEqual(backend.jobs);
    expect(readTree(path.join(study, "output"))).toEqual(backend.outputs);
  });

  it("runs the same study with podman (--driver podman)", async () => {
    const study = copyStudyDir(EXAMPLE);
    const result = await runRap(["run", "run_all", "--json", "--driver", "podman"], { cwd: study });
    expect([result.exitCode, result.stderr]).toEqual([0, ""]);
    expect(summaryOf(result.stdout).map((job) => [job.action, job.status_code])).toEqual([
      ["generate_dataset", "succeeded"],
      ["summarise", "succeeded"],
    ]);
    expect(readFileSync(path.join(study, "output/summary_by_sex.csv"), "utf8")).toBe("sex,count\nF,50\nM,50\n");
  });

  it("reports an invalid project.yaml with upstream's message and exit 1, running nothing", async () => {
    const study = createStudyDir({ "project.yaml": 'version: "5.0"\nactions:\n  a:\n    run: python:v2 x.sh\n' });
    const result = await runRap(["run", "a"], { cwd: study });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe(
      "=> ProjectValidationError\n   Invalid project: \n   Action a must contain a configuration for 'outputs'\n",
    );
    expect(listFiles(study)).toEqual(["project.yaml"]);
  });
});
