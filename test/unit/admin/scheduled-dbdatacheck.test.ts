/**
 * Scheduled DBDATACHECK tasks (upstream's T72 test_update_scheduled_task_for_db_data_check and
 * _in_db_maintenance): the daily HES cut-off check, suspended while the database is in maintenance.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { setDbMaintenance } from "../../../controller/admin/flag-operations.js";
import { ScheduledTasks } from "../../../controller/scheduling/scheduled-tasks.js";
import { buildTestController, type TestController } from "../../support/controller-deps.js";
import { databaseResult, reportTask } from "../../support/job-factory.js";

let tc: TestController;
let scheduled: ScheduledTasks;
beforeEach(() => {
  // Only data checks here: DBSTATUS is off so the pushes below are this task's alone.
  tc = buildTestController({ env: { MAINTENANCE_ENABLED_BACKENDS: "" } });
  scheduled = new ScheduledTasks(
    () => tc.deps,
    { jobChanged: () => undefined, tasksChanged: (b) => tc.pushedBackends.push(b) },
    () => undefined,
  );
});
afterEach(() => {
  scheduled.stop();
  tc.dispose();
});

const dataChecks = (backend = "tpp") =>
  tc.deps.tasks
    .list({ backend, limit: 100 })
    .filter((task) => task.type === "dbdatacheck")
    .reverse();

describe("T72 scheduling DBDATACHECK tasks", () => {
  it("creates one task for each enabled backend (tpp by default) with upstream's definition", () => {
    scheduled.run();
    const [task, ...more] = dataChecks();
    expect(more).toEqual([]);
    expect(dataChecks("test")).toEqual([]);
    expect(task?.id).toMatch(/^dbdatacheck-2025-03-01-[0-9a-f]{20}$/);
    expect(task?.definition).toEqual({
      kind: "database",
      databaseName: "default",
      image: "ghcr.io/opensafely-core/tpp-database-utils:latest",
      args: [],
      hesExpectedActivityMonth: "202304",
    });
    expect(tc.pushedBackends).toEqual(["tpp"]);
  });

  it("runs again a day after the last one finished, not before", () => {
    scheduled.run();
    const [first] = dataChecks();
    reportTask(tc.deps, first!.id, { stage: null, complete: true, result: databaseResult("OK") });
    tc.clock.advance(86_399_000);
    scheduled.run();
    expect(dataChecks()).toHaveLength(1);
    tc.clock.advance(1_000);
    scheduled.run();
    expect(dataChecks().map((task) => task.active)).toEqual([false, true]);
  });

  it("is not scheduled during database maintenance, and an active one is withdrawn", () => {
    scheduled.run();
    expect(dataChecks().map((task) => task.active)).toEqual([true]);
    setDbMaintenance(tc.deps, "tpp", true, false);
    scheduled.run();
    expect(dataChecks().map((task) => task.active)).toEqual([false]);
    setDbMaintenance(tc.deps, "tpp", false, false);
    tc.clock.advance(86_400_000);
    scheduled.run();
    expect(dataChecks().map((task) => task.active)).toEqual([false, true]);
  });
});
