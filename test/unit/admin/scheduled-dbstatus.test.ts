/**
 * Scheduled DBSTATUS tasks and what their results do (reference/jobrunner.md §4.11, §2.3; upstream's
 * T70 test_update_scheduled_task_for_db_maintenance and the controller half of T71). Real SQLite,
 * real stores, a hand-moved clock.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadControllerConfig } from "../../../controller/config.js";
import { applyDatabaseStatus } from "../../../controller/scheduling/database-status-result.js";
import { databaseStatusTaskId, ScheduledTasks } from "../../../controller/scheduling/scheduled-tasks.js";
import { setDbMaintenance } from "../../../controller/admin/flag-operations.js";
import { buildTestController, type TestController } from "../../support/controller-deps.js";
import { databaseResult, failedTaskResult, reportTask } from "../../support/job-factory.js";

let tc: TestController;
let scheduled: ScheduledTasks;
let wakes = 0;
beforeEach(() => {
  // Data checks off: these tests count DBSTATUS pushes only (scheduled-dbdatacheck.test.ts covers them).
  tc = buildTestController({ env: { MAINTENANCE_POLL_INTERVAL: "300", DATA_CHECK_ENABLED_BACKENDS: "" } });
  wakes = 0;
  scheduled = new ScheduledTasks(
    () => tc.deps,
    { jobChanged: () => undefined, tasksChanged: (b) => tc.pushedBackends.push(b) },
    () => wakes++,
  );
});
afterEach(() => {
  scheduled.stop();
  tc.dispose();
});

const dbstatusTasks = (backend = "tpp") =>
  tc.deps.tasks
    .list({ backend, limit: 100 })
    .filter((task) => task.type === "dbstatus")
    .reverse();

describe("T70 scheduling DBSTATUS tasks", () => {
  it("creates one task per enabled backend (tpp by default) with upstream's definition", () => {
    scheduled.run();
    const [task, ...more] = dbstatusTasks();
    expect(more).toEqual([]);
    expect(dbstatusTasks("test")).toEqual([]);
    expect(task?.id).toMatch(/^dbstatus-2025-03-01-[0-9a-f]{20}$/);
    expect(task?.definition).toEqual({
      kind: "database",
      databaseName: "default",
      image: "ghcr.io/opensafely-core/tpp-database-utils:latest",
      args: ["in_maintenance_mode"],
      hesExpectedActivityMonth: "",
    });
    expect(task?.attributes).toEqual({});
    expect(task?.active).toBe(true);
    expect(tc.pushedBackends).toEqual(["tpp"]);
  });

  it("waits while one is active, then for the interval after it finished", () => {
    scheduled.run();
    scheduled.run();
    const [first] = dbstatusTasks();
    expect(dbstatusTasks()).toHaveLength(1);

    tc.clock.advance(10_000);
    reportTask(tc.deps, first!.id, { stage: null, complete: true, result: databaseResult("") });
    tc.clock.advance(299_000);
    scheduled.run();
    expect(dbstatusTasks()).toHaveLength(1);

    tc.clock.advance(1_000);
    scheduled.run();
    expect(dbstatusTasks().map((task) => task.active)).toEqual([false, true]);
  });

  it("keeps checking during manual maintenance, and stops (deactivating) once checks are disabled", () => {
    setDbMaintenance(tc.deps, "tpp", true, false);
    scheduled.run();
    expect(dbstatusTasks().map((task) => task.active)).toEqual([true]);

    setDbMaintenance(tc.deps, "tpp", true, true);
    scheduled.run();
    expect(dbstatusTasks().map((task) => task.active)).toEqual([false]);
    tc.clock.advance(3_600_000);
    scheduled.run();
    expect(dbstatusTasks()).toHaveLength(1);

    setDbMaintenance(tc.deps, "tpp", false, false);
    scheduled.run();
    expect(dbstatusTasks().map((task) => task.active)).toEqual([false, true]);
  });

  it("takes the backends, interval, image and command from the environment", () => {
    const config = loadControllerConfig({
      BACKENDS: "test,tpp",
      MAINTENANCE_ENABLED_BACKENDS: "test, tpp",
      MAINTENANCE_POLL_INTERVAL: "1.5",
      DATABASE_UTILS_IMAGE: "registry.example/utils:v3",
      DBSTATUS_COMMAND: `-c "echo db-maintenance"`,
    });
    expect([
      config.maintenanceEnabledBackends,
      config.maintenancePollIntervalSeconds,
      config.databaseUtilsImage,
      config.dbstatusArgs,
    ]).toEqual([["test", "tpp"], 1.5, "registry.example/utils:v3", ["-c", "echo db-maintenance"]]);
    expect(loadControllerConfig({ DOCKER_REGISTRY: "mirror.local/os" }).databaseUtilsImage).toBe(
      "mirror.local/os/tpp-database-utils:latest",
    );
    expect(() => loadControllerConfig({ DBSTATUS_COMMAND: `-c "unclosed` })).toThrow(/DBSTATUS_COMMAND/);
  });

  it("names tasks by type, UTC date and 20 hex characters", () => {
    expect(databaseStatusTaskId(Date.UTC(2025, 5, 1, 23, 59))).toMatch(/^dbstatus-2025-06-01-[0-9a-f]{20}$/);
  });
});

describe("DBSTATUS results and the mode flag", () => {
  const mode = () => tc.deps.flags.get("tpp", "mode")?.value;
  const result = databaseResult;

  it("sets mode from the result, and clears it with an empty status", () => {
    expect(applyDatabaseStatus(tc.deps, "tpp", result("db-maintenance"))).toBe(true);
    expect(mode()).toBe("db-maintenance");
    expect(applyDatabaseStatus(tc.deps, "tpp", result("db-maintenance"))).toBe(false);
    expect(applyDatabaseStatus(tc.deps, "tpp", result(""))).toBe(true);
    expect(mode()).toBe("");
  });

  it("ignores error results", () => {
    applyDatabaseStatus(tc.deps, "tpp", result("db-maintenance"));
    expect(
      applyDatabaseStatus(tc.deps, "tpp", failedTaskResult({ type: "ValueError", message: "Invalid status", permanent: false })),
    ).toBe(false);
    expect(mode()).toBe("db-maintenance");
  });

  it("never overrides manual maintenance", () => {
    setDbMaintenance(tc.deps, "tpp", true, false);
    expect(applyDatabaseStatus(tc.deps, "tpp", result(""))).toBe(false);
    expect(mode()).toBe("db-maintenance");
    setDbMaintenance(tc.deps, "tpp", false, false);
    expect(mode()).toBe(null);
    expect(applyDatabaseStatus(tc.deps, "tpp", result("db-maintenance"))).toBe(true);
  });
});
