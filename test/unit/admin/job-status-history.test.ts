/**
 * The status history `rap job` shows: every status change is recorded by the database itself
 * (triggers), with the transition time set_code stored, whatever code path made the change.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { killJob } from "../../../controller/admin/job-controls.js";
import { buildTestController, DEFAULT_NOW_MS, type TestController } from "../../support/controller-deps.js";
import { insertJob } from "../../support/job-factory.js";

let tc: TestController;
beforeEach(() => {
  tc = buildTestController();
});
afterEach(() => tc.dispose());

describe("job status history", () => {
  it("records the creation, each change with its time, and nothing for an unchanged code", () => {
    const job = insertJob(tc.deps);
    tc.clock.advance(1_500);
    tc.scheduler.runOnce();
    tc.scheduler.runOnce();
    tc.clock.advance(2_000);
    killJob(tc.deps, { jobChanged: () => undefined, tasksChanged: () => undefined }, job.id);
    const history = tc.deps.jobs.history(job.id);
    expect(history.map((change) => change.statusCode)).toEqual([job.statusCode, "initiated", "killed_by_admin"]);
    expect(history.map((change) => change.atMs)).toEqual([
      job.statusCodeUpdatedAtMs,
      DEFAULT_NOW_MS + 1_500,
      DEFAULT_NOW_MS + 3_500,
    ]);
    expect(history[2]?.statusMessage).toBe("An OpenSAFELY admin manually killed this job");
    expect(tc.deps.jobs.history("no-such-job")).toEqual([]);
  });
});
