/**
 * Cancellation, database maintenance and pause in the scheduler (upstream's test_main.py,
 * reference/jobrunner.md §9): T55, T64, T65. Real SQLite, flags and tasks; the real runOnce.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildTestController, DEFAULT_NOW_MS, type TestController } from "../../support/controller-deps.js";
import { insertJob, reload } from "../../support/job-factory.js";

let tc: TestController;
beforeEach(() => {
  tc = buildTestController();
});
afterEach(() => tc.dispose());

const dbJob = { runCommand: "ehrql:v1 generate-dataset dataset.py --output data.csv", requiresDb: true } as const;
const nowSeconds = () => Math.floor(tc.clock.nowMs() / 1000);

function tasksOf(jobId: string): Array<[string, string, boolean]> {
  return tc.deps.tasks
    .list({ limit: 100 })
    .filter((task) => task.jobId === jobId)
    .reverse()
    .map((task) => [task.id, task.type, task.active]);
}

describe("T55 cancelling a started job", () => {
  it("deactivates the RUNJOB task, adds one CANCELJOB task and fails the job at once", () => {
    const job = insertJob(tc.deps);
    tc.scheduler.runOnce();
    expect(tasksOf(job.id)).toEqual([[`${job.id}-001`, "runjob", true]]);

    expect(tc.deps.jobs.markCancelled(job.rapId, [job.action], nowSeconds())).toBe(1);
    tc.scheduler.runOnce();
    expect(tasksOf(job.id)).toEqual([
      [`${job.id}-001`, "runjob", false],
      [`${job.id}-001-cancel`, "canceljob", true],
    ]);
    const after = reload(tc.deps, job.id);
    expect([after.state, after.statusCode, after.statusMessage]).toEqual(["failed", "cancelled_by_user", "Cancelled by user"]);
    expect(tc.deps.tasks.get(`${job.id}-001-cancel`)?.definition).toMatchObject({
      kind: "job",
      id: job.id,
      taskId: `${job.id}-001-cancel`,
    });

    // Terminal jobs are never visited again.
    tc.scheduler.runOnce();
    expect(tasksOf(job.id)).toHaveLength(2);
  });

  it("a job cancelled before it started just fails, with no task sent", () => {
    const job = insertJob(tc.deps, { cancelled: true });
    tc.scheduler.runOnce();
    expect(tasksOf(job.id)).toEqual([]);
    expect(reload(tc.deps, job.id).statusCode).toBe("cancelled_by_user");
  });
});

describe("T64 database maintenance", () => {
  it("holds pending database jobs", () => {
    const job = insertJob(tc.deps, dbJob);
    const other = insertJob(tc.deps, { action: "not_db" });
    tc.deps.flags.set("test", "mode", "db-maintenance", nowSeconds());
    tc.scheduler.runOnce();
    const held = reload(tc.deps, job.id);
    expect([held.state, held.statusCode, held.statusMessage, held.startedAt]).toEqual([
      "pending",
      "waiting_db_maintenance",
      "Waiting for database to finish maintenance",
      null,
    ]);
    expect(reload(tc.deps, other.id).state).toBe("running");
  });

  it("cancellation beats maintenance", () => {
    const job = insertJob(tc.deps, { ...dbJob, cancelled: true });
    tc.deps.flags.set("test", "mode", "db-maintenance", nowSeconds());
    tc.scheduler.runOnce();
    const after = reload(tc.deps, job.id);
    expect([after.state, after.statusCode, after.statusMessage, after.startedAt]).toEqual([
      "failed",
      "cancelled_by_user",
      "Cancelled by user",
      null,
    ]);
  });

  it("stops running database jobs with a CANCELJOB task and resets them to pending", () => {
    const job = insertJob(tc.deps, dbJob);
    tc.scheduler.runOnce();
    expect(reload(tc.deps, job.id).state).toBe("running");
    tc.deps.flags.set("test", "mode", "db-maintenance", nowSeconds());
    tc.scheduler.runOnce();
    const reset = reload(tc.deps, job.id);
    expect([reset.state, reset.statusCode, reset.statusMessage, reset.startedAt]).toEqual([
      "pending",
      "waiting_db_maintenance",
      "Waiting for database to finish maintenance",
      null,
    ]);
    expect(tasksOf(job.id)).toEqual([
      [`${job.id}-001`, "runjob", false],
      [`${job.id}-001-cancel`, "canceljob", true],
    ]);

    // Maintenance over: the job starts again with a new task.
    tc.deps.flags.set("test", "mode", "", nowSeconds());
    tc.scheduler.runOnce();
    expect(reload(tc.deps, job.id).statusCode).toBe("initiated");
    expect(tasksOf(job.id).map(([id, , active]) => [id, active])).toEqual([
      [`${job.id}-001`, false],
      [`${job.id}-001-cancel`, true],
      [`${job.id}-002`, true],
    ]);
  });
});

describe("T65 pause", () => {
  it("pending jobs get the paused code; reset jobs keep theirs but have updated_at refreshed", () => {
    tc.clock.set(DEFAULT_NOW_MS);
    const job = insertJob(tc.deps, dbJob);
    const resetJob = insertJob(tc.deps, {
      ...dbJob,
      action: "reset_action",
      statusCode: "waiting_on_reboot",
      statusMessage: "Job restarted - waiting for server to reboot",
    });
    expect([job.updatedAt, resetJob.updatedAt]).toEqual([DEFAULT_NOW_MS / 1000, DEFAULT_NOW_MS / 1000]);

    tc.clock.advance(5 * 60_000);
    const later = nowSeconds();
    tc.deps.flags.set("test", "paused", "True", later);
    tc.scheduler.runOnce();

    const paused = reload(tc.deps, job.id);
    expect([paused.state, paused.statusCode, paused.startedAt, paused.updatedAt]).toEqual(["pending", "paused", null, later]);
    expect(paused.statusMessage).toBe("Backend is currently paused for maintenance, job will start once this is completed");
    const kept = reload(tc.deps, resetJob.id);
    expect([kept.state, kept.statusCode, kept.startedAt, kept.updatedAt]).toEqual(["pending", "waiting_on_reboot", null, later]);
    expect(tc.deps.tasks.list({ limit: 10 })).toEqual([]);
  });

  it("running jobs are untouched by a pause", () => {
    const job = insertJob(tc.deps, dbJob);
    tc.scheduler.runOnce();
    tc.deps.flags.set("test", "paused", "True", nowSeconds());
    tc.scheduler.runOnce();
    const after = reload(tc.deps, job.id);
    expect([after.state, after.statusCode, after.statusMessage]).toEqual([
      "running",
      "initiated",
      "Job executing on the backend",
    ]);
  });
});
