/**
 * Ported from upstream's test_create_or_update_jobs.py (reference/jobrunner.md §9): T43-T46,
 * which existing jobs a create re-runs, plus the run_all cases of the re-run table (§4.1 step 5).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildTestController, type TestController } from "../../support/controller-deps.js";
import { forceState } from "../../support/job-factory.js";
import { createdJobs, jobsFor, onlyJob, Study } from "./helpers.js";

let tc: TestController;
let study: Study;

beforeEach(() => {
  tc = buildTestController();
  study = new Study();
});
afterEach(() => tc.dispose());

/** Creates prepare_data_1 and its dependency, then sets both jobs' outcomes. */
async function prepareThenFinish(generateState: "succeeded" | "failed"): Promise<void> {
  await study.create(tc, { requestedActions: ["prepare_data_1"] });
  forceState(
    tc.deps,
    onlyJob(tc, "generate_dataset").id,
    generateState,
    generateState === "failed" ? "nonzero_exit" : "succeeded",
  );
  forceState(tc.deps, onlyJob(tc, "prepare_data_1").id, "succeeded", "succeeded");
}

describe("job creation: re-runs", () => {
  it("T43 requesting an action that is already pending is Nothing to do", async () => {
    await study.create(tc, { requestedActions: ["analyse_data"] });
    expect(await study.create(tc, { requestedActions: ["analyse_data"] })).toEqual({
      kind: "nothing_to_do",
      details: "All requested actions were already scheduled to run",
    });
    expect(tc.deps.jobs.list({ limit: 100 })).toHaveLength(4);
  });

  it("T44 an explicitly requested succeeded action re-runs; its succeeded dependency does not", async () => {
    await prepareThenFinish("succeeded");
    const result = await study.create(tc, { requestedActions: ["prepare_data_1"] });
    expect(createdJobs(result).map((job) => [job.action, job.waitForJobIds])).toEqual([["prepare_data_1", []]]);
    expect(jobsFor(tc, "generate_dataset")).toHaveLength(1);
    expect(jobsFor(tc, "prepare_data_1")).toHaveLength(2);
  });

  it("T45 force_run_dependencies re-runs succeeded dependencies too", async () => {
    await prepareThenFinish("succeeded");
    const result = await study.create(tc, { requestedActions: ["prepare_data_1"], forceRunDependencies: true });
    expect(result.kind === "created" && result.count).toBe(2);
    const generates = jobsFor(tc, "generate_dataset");
    expect(generates).toHaveLength(2);
    expect(jobsFor(tc, "prepare_data_1")).toHaveLength(2);
    expect(jobsFor(tc, "prepare_data_1")[1]!.waitForJobIds).toEqual([generates[1]!.id]);
  });

  it("T46 failed dependencies are re-run automatically", async () => {
    await prepareThenFinish("failed");
    const result = await study.create(tc, { requestedActions: ["prepare_data_1"] });
    expect(result.kind === "created" && result.count).toBe(2);
    expect(jobsFor(tc, "generate_dataset")).toHaveLength(2);
    expect(jobsFor(tc, "prepare_data_1")).toHaveLength(2);
  });

  it("run_all re-runs only failed or never-run actions", async () => {
    await prepareThenFinish("failed");
    const result = await study.create(tc, { requestedActions: ["run_all"] });
    // prepare_data_1 succeeded and is not explicitly requested; generate_dataset failed.
    expect(
      createdJobs(result)
        .map((job) => job.action)
        .sort(),
    ).toEqual(["analyse_data", "generate_dataset", "prepare_data_2"]);
  });

  it("run_all together with an action name re-runs that action even if it succeeded (upstream tests membership)", async () => {
    await prepareThenFinish("succeeded");
    const result = await study.create(tc, { requestedActions: ["run_all", "prepare_data_1"] });
    expect(
      createdJobs(result)
        .map((job) => job.action)
        .sort(),
    ).toEqual(["analyse_data", "prepare_data_1", "prepare_data_2"]);
  });

  it("run_all with force_run_dependencies re-runs everything", async () => {
    await prepareThenFinish("succeeded");
    const result = await study.create(tc, { requestedActions: ["run_all"], forceRunDependencies: true });
    expect(result.kind === "created" && result.count).toBe(4);
  });

  it("a create with a known rap_id is No change (idempotent retries)", async () => {
    const first = await study.create(tc, { requestedActions: ["analyse_data"], rapId: "bbbbbbbbbbbbbbbb" });
    expect(first.kind).toBe("created");
    expect(await study.create(tc, { requestedActions: ["analyse_data"], rapId: "bbbbbbbbbbbbbbbb" })).toEqual({
      kind: "no_change",
      count: 4,
    });
  });
});
