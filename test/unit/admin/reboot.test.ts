/**
 * prepare_for_reboot and its status report (reference/jobrunner.md §4.13; upstream's T74, T75):
 * pausing, resetting running jobs to waiting_on_reboot, CANCELJOB only for active tasks, the exact
 * report text, and the jobs running again after unpausing. Real SQLite and the real scheduler.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { setPaused } from "../../../controller/admin/flag-operations.js";
import { prepareForReboot, rebootReport, rebootStatus } from "../../../controller/admin/reboot.js";
import { buildTestController, type TestController } from "../../support/controller-deps.js";
import { insertJob, reload, reportTask, taskResults } from "../../support/job-factory.js";

let tc: TestController;
beforeEach(() => {
  tc = buildTestController();
});
afterEach(() => tc.dispose());

const sink = () => ({ jobChanged: () => undefined, tasksChanged: (backend: string) => tc.pushedBackends.push(backend) });
const taskStates = (jobId: string) =>
  tc.deps.tasks
    .list({ limit: 100 })
    .filter((task) => task.jobId === jobId)
    .reverse()
    .map((task) => [task.id.slice(jobId.length), task.type, task.active]);

describe("T74 prepare for reboot", () => {
  it("pauses, resets running jobs to waiting_on_reboot and cancels only their active tasks", () => {
    const running = insertJob(tc.deps, { action: "a" });
    const alsoRunning = insertJob(tc.deps, { action: "b" });
    tc.scheduler.runOnce();
    // b's agent already finished its task (complete, not yet seen by the scheduler): nothing to stop.
    reportTask(tc.deps, `${alsoRunning.id}-001`, { stage: "executing", complete: true, result: taskResults() });
    const pending = insertJob(tc.deps, { action: "c", waitForJobIds: [running.id] });

    const reset = prepareForReboot(tc.deps, sink(), "test");
    expect(reset.map((job) => job.id).sort()).toEqual([running.id, alsoRunning.id].sort());
    expect(tc.deps.flags.get("test", "paused")?.value).toBe("true");
    for (const id of [running.id, alsoRunning.id]) {
      const job = reload(tc.deps, id);
      expect([job.state, job.statusCode, job.statusMessage, job.startedAt]).toEqual([
        "pending",
        "waiting_on_reboot",
        "Job restarted - waiting for server to reboot",
        null,
      ]);
    }
    expect(taskStates(running.id)).toEqual([
      ["-001", "runjob", false],
      ["-001-cancel", "canceljob", true],
    ]);
    expect(taskStates(alsoRunning.id)).toEqual([["-001", "runjob", false]]);
    expect(reload(tc.deps, pending.id).statusCode).toBe("created");

    // While paused the reset jobs keep their code, so operators can see which ones they were.
    tc.scheduler.runOnce();
    expect(reload(tc.deps, running.id).statusCode).toBe("waiting_on_reboot");
    expect(reload(tc.deps, pending.id).statusCode).toBe("paused");

    // After the reboot: unpause, and each job starts again with a new task.
    setPaused(tc.deps, "test", false);
    tc.scheduler.runOnce();
    expect(reload(tc.deps, running.id).statusCode).toBe("initiated");
    expect(taskStates(running.id).at(-1)).toEqual(["-002", "runjob", true]);
  });

  it("touches no other backend", () => {
    const other = insertJob(tc.deps, { backend: "tpp" });
    tc.scheduler.runOnce();
    expect(prepareForReboot(tc.deps, sink(), "test")).toEqual([]);
    expect(reload(tc.deps, other.id).state).toBe("running");
    expect(tc.deps.flags.get("tpp", "paused")).toBeUndefined();
  });
});

describe("T75 the readiness report", () => {
  it("says the backend is not paused, and what to do", () => {
    insertJob(tc.deps);
    tc.scheduler.runOnce();
    const status = rebootStatus(tc.deps, "test");
    expect(status).toEqual({ backend: "test", paused: false, runningJobs: 1, cancellingJobs: 0, ready: false });
    expect(rebootReport(status)).toBe(
      "\n== PREPARING FOR REBOOT ==\n" +
        "1) backend 'test' is not paused\n" +
        "2) 1 job(s) are running\n" +
        "Backend 'test' is not paused. Run prepare_for_reboot, then check the status again\n",
    );
  });

  it("counts jobs still being cancelled, and is not ready until they are done", () => {
    const job = insertJob(tc.deps);
    tc.scheduler.runOnce();
    prepareForReboot(tc.deps, sink(), "test");
    expect(rebootReport(rebootStatus(tc.deps, "test"))).toBe(
      "\n== PREPARING FOR REBOOT ==\n" +
        "1) backend 'test' is paused\n" +
        "2) 0 job(s) are running\n" +
        "3) 1 job(s) are being cancelled\n",
    );

    reportTask(tc.deps, `${job.id}-001-cancel`, {
      stage: "finalized",
      complete: true,
      result: { ...taskResults(), outcome: "cancelled", error: null },
    });
    const status = rebootStatus(tc.deps, "test");
    expect(status.ready).toBe(true);
    expect(rebootReport(status)).toBe(
      "\n== PREPARING FOR REBOOT ==\n" +
        "1) backend 'test' is paused\n" +
        "2) 0 job(s) are running\n" +
        "\n== READY TO REBOOT ==\n" +
        "Safe to reboot now\n",
    );
  });

  it("is not ready while paused with jobs still running", () => {
    insertJob(tc.deps);
    tc.scheduler.runOnce();
    setPaused(tc.deps, "test", true);
    expect(rebootReport(rebootStatus(tc.deps, "test"))).toBe(
      "\n== PREPARING FOR REBOOT ==\n" + "1) backend 'test' is paused\n" + "2) 1 job(s) are running\n",
    );
  });
});
