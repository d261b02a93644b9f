/**
 * Pending jobs in the scheduler (upstream's test_main.py, reference/jobrunner.md §9): T54 (a job
 * with an earlier task), T56 (dependencies), T57-T59 (worker pools and weights). Real SQLite, the
 * real Scheduler.runOnce, weights from a real job-resource-weights_<backend>.ini.
 */
import { afterEach, describe, expect, it } from "vitest";
import { runJobTaskId } from "../../../controller/jobs/ids.js";
import { buildTestController, type TestController, type TestControllerOptions } from "../../support/controller-deps.js";
import { insertJob, reload } from "../../support/job-factory.js";

let tc: TestController | undefined;
afterEach(() => tc?.dispose());

function setup(options: TestControllerOptions = {}): TestController {
  tc = buildTestController(options);
  return tc;
}

function runjobTasks(t: TestController) {
  return t.deps.tasks
    .list({ limit: 100 })
    .filter((task) => task.type === "runjob")
    .reverse();
}

function status(t: TestController, id: string): [string, string, string] {
  const job = reload(t.deps, id);
  return [job.state, job.statusCode, job.statusMessage];
}

describe("T54 a pending job with earlier tasks", () => {
  it("is left alone while an active task exists, and gets task -002 once that task is inactive", () => {
    const t = setup();
    const job = insertJob(t.deps);
    t.deps.tasks.insert({
      id: runJobTaskId(job.id, 1),
      backend: "test",
      type: "runjob",
      jobId: job.id,
      definition: { kind: "database", databaseName: "", image: "", args: [], hesExpectedActivityMonth: "" },
      attributes: {},
      createdAt: 0,
    });

    // Upstream asserts and crash-loops here; we log the broken job and leave it untouched.
    t.scheduler.runOnce();
    expect(status(t, job.id)).toEqual(["pending", "created", "Created"]);
    expect(runjobTasks(t).map((task) => [task.id, task.active])).toEqual([[`${job.id}-001`, true]]);

    t.deps.tasks.deactivate(runJobTaskId(job.id, 1), 1);
    t.scheduler.runOnce();
    expect(runjobTasks(t).map((task) => [task.id, task.active])).toEqual([
      [`${job.id}-001`, false],
      [`${job.id}-002`, true],
    ]);
    expect(status(t, job.id)).toEqual(["running", "initiated", "Job executing on the backend"]);
    expect(t.pushedBackends).toContain("test");
  });
});

describe("T56 dependencies", () => {
  it("a failed dependency fails the job", () => {
    const t = setup();
    const dependency = insertJob(t.deps, { state: "failed", statusCode: "nonzero_exit" });
    const job = insertJob(t.deps, { rapId: dependency.rapId, action: "action2", waitForJobIds: [dependency.id] });
    t.scheduler.runOnce();
    expect(status(t, job.id)).toEqual(["failed", "dependency_failed", "Not starting as dependency failed"]);
    expect(reload(t.deps, job.id).completedAt).toBe(Math.floor(t.clock.nowMs() / 1000));
    expect(runjobTasks(t)).toEqual([]);
  });

  it("an unfinished dependency makes the job wait", () => {
    const t = setup();
    const dependency = insertJob(t.deps);
    const job = insertJob(t.deps, { rapId: dependency.rapId, action: "action2", waitForJobIds: [dependency.id] });
    t.scheduler.runOnce();
    expect(status(t, job.id)).toEqual(["pending", "waiting_on_dependencies", "Waiting on dependencies"]);
    expect(runjobTasks(t).map((task) => task.jobId)).toEqual([dependency.id]);
  });
});

describe("T57 worker limits", () => {
  it("no capacity: no task, waiting_on_workers", () => {
    const t = setup({ env: { TEST_MAX_WORKERS: "0" } });
    const job = insertJob(t.deps);
    t.scheduler.runOnce();
    expect(runjobTasks(t)).toEqual([]);
    expect(status(t, job.id)).toEqual(["pending", "waiting_on_workers", "Waiting on available workers"]);
  });

  it("limits are per backend", () => {
    const t = setup({ env: { BACKENDS: "foo,bar", FOO_MAX_WORKERS: "1", BAR_MAX_WORKERS: "1" } });
    const running = insertJob(t.deps, { backend: "foo" });
    t.scheduler.runOnce();
    expect(runjobTasks(t)).toHaveLength(1);
    expect(reload(t.deps, running.id).state).toBe("running");

    const pending1 = insertJob(t.deps, { backend: "foo" });
    const pending2 = insertJob(t.deps, { backend: "bar" });
    t.scheduler.runOnce();
    const tasks = runjobTasks(t);
    expect(tasks).toHaveLength(2);
    expect(tasks[1]!.id).toBe(`${pending2.id}-001`);
    expect(status(t, pending1.id)).toEqual(["pending", "waiting_on_workers", "Waiting on available workers"]);
    expect(reload(t.deps, pending2.id).state).toBe("running");
  });
});

describe("T58 weighted capacity", () => {
  it("a heavy job waits with the resource-intensive message; a light one with the plain message", () => {
    const t = setup({ env: { TEST_MAX_WORKERS: "2" }, weightFiles: { test: "[workspace]\naction\\d{1} = 1.5\n" } });
    const job1 = insertJob(t.deps, { action: "action1" });
    t.scheduler.runOnce();
    // 1.5 of 2 in use: neither another 1.5 nor a 1 fits.
    const job2 = insertJob(t.deps, { action: "action2" });
    const job3 = insertJob(t.deps, { action: "non_matching_action" });
    t.scheduler.runOnce();
    expect(status(t, job1.id)).toEqual(["running", "initiated", "Job executing on the backend"]);
    expect(status(t, job2.id)).toEqual([
      "pending",
      "waiting_on_workers",
      "Waiting on available workers for resource intensive job",
    ]);
    expect(status(t, job3.id)).toEqual(["pending", "waiting_on_workers", "Waiting on available workers"]);
  });

  it("a job heavier than the whole limit never starts", () => {
    const t = setup({ env: { TEST_MAX_WORKERS: "2" }, weightFiles: { test: "[default]\npython:v2 huge.py = 3\n" } });
    const job = insertJob(t.deps, { runCommand: "python:v2 huge.py" });
    t.scheduler.runOnce();
    expect(status(t, job.id)).toEqual([
      "pending",
      "waiting_on_workers",
      "Waiting on available workers for resource intensive job",
    ]);
  });
});

describe("T59 database workers", () => {
  const dbJob = { runCommand: "ehrql:v1 generate-dataset dataset.py --output data.csv", requiresDb: true } as const;

  it("no database capacity: waiting_on_db_workers", () => {
    const t = setup({ env: { TEST_MAX_DB_WORKERS: "0" } });
    const job = insertJob(t.deps, dbJob);
    t.scheduler.runOnce();
    expect(runjobTasks(t)).toEqual([]);
    expect(status(t, job.id)).toEqual(["pending", "waiting_on_db_workers", "Waiting on available database workers"]);
  });

  it("database and other jobs have separate pools", () => {
    const t = setup({ env: { TEST_MAX_WORKERS: "1", TEST_MAX_DB_WORKERS: "1" } });
    const db1 = insertJob(t.deps, { requiresDb: true });
    t.scheduler.runOnce();
    expect(reload(t.deps, db1.id).state).toBe("running");
    const db2 = insertJob(t.deps, { requiresDb: true });
    t.scheduler.runOnce();
    expect(status(t, db2.id).slice(0, 2)).toEqual(["pending", "waiting_on_db_workers"]);
    const other1 = insertJob(t.deps);
    t.scheduler.runOnce();
    expect(reload(t.deps, other1.id).state).toBe("running");
    const other2 = insertJob(t.deps);
    t.scheduler.runOnce();
    expect(status(t, other2.id).slice(0, 2)).toEqual(["pending", "waiting_on_workers"]);
  });

  it("weights apply to database jobs, with the plain database message", () => {
    const t = setup({
      env: { TEST_MAX_WORKERS: "10", TEST_MAX_DB_WORKERS: "3" },
      weightFiles: { test: "[workspace]\nhigh_load.* = 2.0\n" },
    });
    const job1 = insertJob(t.deps, { action: "high_load_1", requiresDb: true });
    t.scheduler.runOnce();
    expect(reload(t.deps, job1.id).state).toBe("running");
    const job2 = insertJob(t.deps, { action: "high_load_2", requiresDb: true });
    t.scheduler.runOnce();
    expect(status(t, job2.id)).toEqual(["pending", "waiting_on_db_workers", "Waiting on available database workers"]);
    const job3 = insertJob(t.deps, { action: "normal_load", requiresDb: true });
    t.scheduler.runOnce();
    expect(reload(t.deps, job3.id).state).toBe("running");
  });
});

describe("fair order (§4.3)", () => {
  it("pending jobs of workspaces with fewer running jobs go first, even when newer", () => {
    const t = setup({ env: { TEST_MAX_WORKERS: "2", TEST_MAX_DB_WORKERS: "2" } });
    const busy = insertJob(t.deps, { workspace: "busy", createdAt: 100 });
    t.scheduler.runOnce();
    expect(reload(t.deps, busy.id).state).toBe("running");
    const olderInBusy = insertJob(t.deps, { workspace: "busy", createdAt: 200 });
    const newerInQuiet = insertJob(t.deps, { workspace: "quiet", createdAt: 300 });
    t.scheduler.runOnce();
    // One slot left: the quiet workspace wins although its job is newer.
    expect(reload(t.deps, newerInQuiet.id).state).toBe("running");
    expect(reload(t.deps, olderInBusy.id).statusCode).toBe("waiting_on_workers");
  });
});
