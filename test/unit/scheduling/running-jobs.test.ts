/**
 * Running jobs and their completed tasks (upstream's test_main.py, reference/jobrunner.md §9):
 * T60-T63 (outcomes, fatal, permanent and retryable agent errors) and T66 (input_job_ids). Agent reports go
 * through the same TaskStore call the agent stream uses.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildTestController, type TestController } from "../../support/controller-deps.js";
import { failedTaskResult, insertJob, jobDefinitionOf, reload, reportTask, taskResults } from "../../support/job-factory.js";
import type { TaskResult } from "../../../controller/jobs/task-result.js";

let tc: TestController;
beforeEach(() => {
  tc = buildTestController();
});
afterEach(() => tc.dispose());

function runjobs(jobId: string): Array<[string, boolean]> {
  return tc.deps.tasks.forJob(jobId, "runjob").map((task) => [task.id, task.active]);
}

/** Starts a job, then completes its task with the given results. */
function startAndFinish(overrides: Parameters<typeof insertJob>[1], result: TaskResult) {
  const job = insertJob(tc.deps, overrides);
  tc.scheduler.runOnce();
  expect(reload(tc.deps, job.id).state).toBe("running");
  reportTask(tc.deps, `${job.id}-001`, { stage: "finalized", complete: true, result });
  tc.scheduler.runOnce();
  return reload(tc.deps, job.id);
}

describe("T60-T62 outcomes", () => {
  it("T60 excluded level-4 files: succeeded with the generic suffix, no file names", () => {
    const job = startAndFinish({}, taskResults({ hasLevel4ExcludedFiles: true }));
    expect([job.state, job.statusCode, job.statusMessage]).toEqual([
      "succeeded",
      "succeeded",
      "Completed successfully, but some file(s) marked as moderately_sensitive were excluded. See job log for details.",
    ]);
  });

  const ehrql = "ehrql:v1 generate-dataset dataset.py --output data.csv";
  it.each([
    [
      3,
      ehrql,
      null,
      "Job exited with an error: A transient database error occurred, your job may run if you try it again, if it keeps failing then contact tech support",
    ],
    [4, ehrql, null, "Job exited with an error: New data is being imported into the database, please try again in a few hours"],
    [5, ehrql, null, "Job exited with an error: Something went wrong with the database, please contact tech support"],
    [5, ehrql, "A message from the results", "Job exited with an error: A message from the results"],
    [7, ehrql, null, "Job exited with an error"],
    [3, "python:v2 foo.py", "A message from the results", "Job exited with an error: A message from the results"],
    [4, "python:v2 foo.py", null, "Job exited with an error"],
    [5, "python:v2 foo.py", null, "Job exited with an error"],
  ])("T61 exit code %i of %s (results message %j)", (exitCode, runCommand, message, expected) => {
    const job = startAndFinish(
      { runCommand, requiresDb: runCommand.startsWith("ehrql") },
      taskResults({ exitCode, statusMessage: message ?? "" }),
    );
    expect([job.state, job.statusCode, job.statusMessage]).toEqual(["failed", "nonzero_exit", expected]);
  });

  it("T62 unmatched patterns: generic message", () => {
    const job = startAndFinish({}, taskResults({ hasUnmatchedPatterns: true }));
    expect([job.state, job.statusCode, job.statusMessage]).toEqual([
      "failed",
      "unmatched_patterns",
      "Outputs matching expected patterns were not found. See job log for details.",
    ]);
  });
});

describe("T63 agent-reported errors", () => {
  it("upstream's test hook: an error naming test_job_failure is job_error", () => {
    const job = startAndFinish({}, failedTaskResult({ type: "test_job_failure", message: "", permanent: false }));
    expect([job.state, job.statusCode, job.statusMessage]).toEqual([
      "failed",
      "job_error",
      "This job returned a fatal error. test_job_failure",
    ]);
    expect(runjobs(job.id)).toEqual([[`${job.id}-001`, false]]);
  });

  it("an error marked permanent ends the job at once, failed, with its reason in the message", () => {
    const job = startAndFinish(
      {},
      failedTaskResult({ type: "CheckoutError", message: "commit abc123 not found in the repository", permanent: true }),
    );
    expect([job.state, job.statusCode, job.statusMessage]).toEqual([
      "failed",
      "job_error",
      "This job returned a fatal error. CheckoutError: commit abc123 not found in the repository",
    ]);
    expect(runjobs(job.id)).toEqual([[`${job.id}-001`, false]]);
    tc.scheduler.runOnce();
    expect(runjobs(job.id)).toEqual([[`${job.id}-001`, false]]);
  });

  it("any other error is retried with a new task once the first backoff (10 s by default) is over", () => {
    const job = startAndFinish(
      {},
      failedTaskResult({ type: "CommandError", message: "docker daemon went away", permanent: false }),
    );
    expect(runjobs(job.id)).toEqual([[`${job.id}-001`, false]]);
    expect([job.state, job.statusCode, job.statusMessage, job.startedAt]).toEqual([
      "pending",
      "waiting_on_new_task",
      "This job returned an error that could be retriedwith a new task.",
      null,
    ]);
    // Upstream starts the new task on the very next loop; we wait out the backoff first.
    tc.clock.advance(9_000);
    tc.scheduler.runOnce();
    expect(runjobs(job.id)).toEqual([[`${job.id}-001`, false]]);
    tc.clock.advance(1_000);
    tc.scheduler.runOnce();
    expect(runjobs(job.id)).toEqual([
      [`${job.id}-001`, false],
      [`${job.id}-002`, true],
    ]);
    expect(reload(tc.deps, job.id).state).toBe("running");
  });

  it("a job that keeps failing with a retryable error ends after JOB_MAX_ATTEMPTS, with the last reason", () => {
    const job = startAndFinish({}, failedTaskResult({ type: "ExecutorError", message: "attempt 1", permanent: false }));
    const waits: number[] = [];
    for (let attempt = 2; attempt <= 5; attempt++) {
      // Each retry waits twice as long as the one before: 10 s, 20 s, 40 s, 80 s.
      let waited = 0;
      while (reload(tc.deps, job.id).state === "pending") {
        tc.clock.advance(1_000);
        waited += 1_000;
        tc.scheduler.runOnce();
      }
      waits.push(waited);
      const task = `${job.id}-${String(attempt).padStart(3, "0")}`;
      reportTask(tc.deps, task, {
        stage: "error",
        complete: true,
        result: failedTaskResult({ type: "ExecutorError", message: `attempt ${attempt}`, permanent: false }),
      });
      tc.scheduler.runOnce();
    }
    expect(waits).toEqual([10_000, 20_000, 40_000, 80_000]);
    const ended = reload(tc.deps, job.id);
    expect([ended.state, ended.statusCode, ended.statusMessage]).toEqual([
      "failed",
      "job_error",
      "This job returned a fatal error. ExecutorError: attempt 5 (gave up after 5 attempts)",
    ]);
    // No sixth task, however long the scheduler keeps running.
    tc.clock.advance(3_600_000);
    tc.scheduler.runOnce();
    expect(runjobs(job.id).length).toBe(5);
    expect(runjobs(job.id).every(([, active]) => !active)).toBe(true);
  });
});

describe("T66 input_job_ids", () => {
  it("names the latest uncancelled job per needed action, even one without outputs", () => {
    insertJob(tc.deps, { id: "1", action: "other-action", state: "succeeded", statusCode: "succeeded", createdAt: 1000 });
    insertJob(tc.deps, {
      id: "2",
      action: "other-action",
      state: "succeeded",
      statusCode: "succeeded",
      createdAt: 2000,
      cancelled: true,
    });
    insertJob(tc.deps, {
      id: "3",
      action: "action-with-no-outputs",
      state: "succeeded",
      statusCode: "succeeded",
      createdAt: 3000,
    });
    insertJob(tc.deps, { id: "4", requiresOutputsFrom: ["other-action", "action-with-no-outputs"] });
    tc.scheduler.runOnce();
    expect(jobDefinitionOf(tc.deps.tasks.get("4-001")).inputJobIds).toEqual(["1", "3"]);
  });
});
