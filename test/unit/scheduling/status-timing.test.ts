/**
 * T68 (upstream's test_status_code_timing, test_status_code_unchanged_job_updated_at and
 * test_status_code_updated_from_task_timestamp): transition times, the 1 ms clamp, the 60 s
 * updated_at heartbeat and agent timestamps, with an injected clock.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildTestController, type TestController } from "../../support/controller-deps.js";
import { insertJob, reload, reportTask } from "../../support/job-factory.js";

// 2025-03-01 10:05:10.099, as upstream's tests freeze time (to the millisecond we store).
const NOW = Date.UTC(2025, 2, 1, 10, 5, 10, 99);
const seconds = (ms: number) => Math.floor(ms / 1000);

let tc: TestController;
beforeEach(() => {
  tc = buildTestController({ nowMs: NOW });
});
afterEach(() => tc.dispose());

describe("T68 status code timing", () => {
  it.each([
    ["a previous change in the past: the transition is now", NOW - 3_600_000, NOW],
    ["a previous change in the future: clamped to 1 ms after it", NOW + 1000, NOW + 1001],
  ])("%s", (_name, previousMs, expectedMs) => {
    const job = insertJob(tc.deps, {
      statusCode: "waiting_on_workers",
      statusMessage: "Waiting on available workers",
      statusCodeUpdatedAtMs: previousMs,
    });
    tc.scheduler.runOnce();
    const after = reload(tc.deps, job.id);
    expect(after.state).toBe("running");
    expect(after.statusCodeUpdatedAtMs).toBe(expectedMs);
  });

  it("an unchanged code refreshes updated_at at most once a minute and never moves status_code_updated_at", () => {
    const dependency = insertJob(tc.deps);
    const job = insertJob(tc.deps, { rapId: dependency.rapId, action: "action2", waitForJobIds: [dependency.id] });
    tc.scheduler.runOnce();
    let after = reload(tc.deps, job.id);
    expect([after.state, after.statusCode, after.statusMessage]).toEqual([
      "pending",
      "waiting_on_dependencies",
      "Waiting on dependencies",
    ]);
    expect([after.updatedAt, after.statusCodeUpdatedAtMs]).toEqual([seconds(NOW), NOW]);

    tc.clock.set(Date.UTC(2025, 2, 1, 10, 5, 40, 99));
    tc.scheduler.runOnce();
    after = reload(tc.deps, job.id);
    expect([after.updatedAt, after.statusCodeUpdatedAtMs]).toEqual([seconds(NOW), NOW]);

    const later = Date.UTC(2025, 2, 1, 10, 6, 11, 99);
    tc.clock.set(later);
    tc.scheduler.runOnce();
    after = reload(tc.deps, job.id);
    expect([after.state, after.updatedAt, after.statusCodeUpdatedAtMs]).toEqual(["pending", seconds(later), NOW]);
  });

  it("announces the updated_at refresh to watchers (WatchJobs), and nothing while it is not due", () => {
    const dependency = insertJob(tc.deps);
    const job = insertJob(tc.deps, { rapId: dependency.rapId, action: "action2", waitForJobIds: [dependency.id] });
    tc.scheduler.runOnce();
    const announced = () =>
      tc.changedJobs.filter((changed) => changed.id === job.id).map((changed) => [changed.statusCode, changed.updatedAt]);
    expect(announced()).toEqual([["waiting_on_dependencies", seconds(NOW)]]);
    tc.clock.set(NOW + 59_000);
    tc.scheduler.runOnce();
    expect(announced()).toEqual([["waiting_on_dependencies", seconds(NOW)]]);
    tc.clock.set(NOW + 61_000);
    tc.scheduler.runOnce();
    expect(announced()).toEqual([
      ["waiting_on_dependencies", seconds(NOW)],
      ["waiting_on_dependencies", seconds(NOW + 61_000)],
    ]);
  });

  it("agent timestamps are the transition times; heartbeats use the controller's clock", () => {
    const job = insertJob(tc.deps);
    tc.scheduler.runOnce();
    let after = reload(tc.deps, job.id);
    expect(tc.deps.tasks.get(`${job.id}-001`)?.agentTimestampNs).toBeNull();
    expect([after.state, after.statusCode, after.updatedAt, after.statusCodeUpdatedAtMs, after.startedAt]).toEqual([
      "running",
      "initiated",
      seconds(NOW),
      NOW,
      seconds(NOW),
    ]);

    const preparedAt = Date.UTC(2025, 2, 1, 10, 5, 11, 99);
    reportTask(tc.deps, `${job.id}-001`, { stage: "prepared", complete: false, timestampNs: BigInt(preparedAt) * 1_000_000n });
    tc.scheduler.runOnce();
    after = reload(tc.deps, job.id);
    expect([after.state, after.statusCode, after.statusMessage, after.updatedAt, after.statusCodeUpdatedAtMs]).toEqual([
      "running",
      "prepared",
      "Job executing on the backend",
      seconds(preparedAt),
      preparedAt,
    ]);

    const twoMinutesOn = Date.UTC(2025, 2, 1, 10, 7, 10, 99);
    tc.clock.set(twoMinutesOn);
    tc.scheduler.runOnce();
    after = reload(tc.deps, job.id);
    expect([after.statusCode, after.updatedAt, after.statusCodeUpdatedAtMs]).toEqual([
      "prepared",
      seconds(twoMinutesOn),
      preparedAt,
    ]);
  });

  it("an agent stage that is not a status code leaves the code unchanged", () => {
    const job = insertJob(tc.deps);
    tc.scheduler.runOnce();
    reportTask(tc.deps, `${job.id}-001`, { stage: "unknown", complete: false, timestampNs: BigInt(NOW + 5000) * 1_000_000n });
    tc.scheduler.runOnce();
    const after = reload(tc.deps, job.id);
    expect([after.statusCode, after.statusCodeUpdatedAtMs]).toEqual(["initiated", NOW]);
  });
});
