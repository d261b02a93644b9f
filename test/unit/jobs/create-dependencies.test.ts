/**
 * Ported from upstream's test_create_or_update_jobs.py (reference/jobrunner.md §9): T36-T41,
 * dependency resolution when jobs are created. Real SQLite, real git study repo, real createJobs.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { jobId } from "../../../controller/jobs/ids.js";
import { buildTestController, type TestController } from "../../support/controller-deps.js";
import { forceState } from "../../support/job-factory.js";
import { createdJobs, jobsFor, onlyJob, Study, TEST_PROJECT } from "./helpers.js";

let tc: TestController;
let study: Study;

beforeEach(() => {
  tc = buildTestController();
  study = new Study();
});
afterEach(() => tc.dispose());

describe("job creation: dependencies", () => {
  it("T36 requesting a leaf creates the whole chain with the right wait_for_job_ids", async () => {
    const result = await study.create(tc, { requestedActions: ["analyse_data"], rapId: "aaaaaaaaaaaaaaaa" });
    expect(result.kind).toBe("created");
    expect(result.kind === "created" && result.count).toBe(4);
    const analyse = onlyJob(tc, "analyse_data");
    const prepare1 = onlyJob(tc, "prepare_data_1");
    const prepare2 = onlyJob(tc, "prepare_data_2");
    const generate = onlyJob(tc, "generate_dataset");
    expect(analyse.id).toBe(jobId("aaaaaaaaaaaaaaaa", "analyse_data"));
    expect(analyse.waitForJobIds).toEqual([prepare1.id, prepare2.id]);
    expect(prepare1.waitForJobIds).toEqual([generate.id]);
    expect(prepare2.waitForJobIds).toEqual([generate.id]);
    expect(generate.waitForJobIds).toEqual([]);
    expect(analyse.requiresOutputsFrom).toEqual(["prepare_data_1", "prepare_data_2"]);
    for (const job of [analyse, prepare1, prepare2, generate]) {
      expect([job.state, job.statusCode, job.statusMessage]).toEqual(["pending", "created", "Created"]);
    }
    expect(generate.requiresDb).toBe(true);
    expect(analyse.requiresDb).toBe(false);
    expect(tc.wakes()).toBe(1);
  });

  it("T37 new jobs wait on existing pending jobs instead of duplicating them", async () => {
    await study.create(tc, { requestedActions: ["prepare_data_1"] });
    const prepare1 = onlyJob(tc, "prepare_data_1");
    const generate = onlyJob(tc, "generate_dataset");
    expect(prepare1.waitForJobIds).toEqual([generate.id]);

    const result = await study.create(tc, { requestedActions: ["analyse_data"] });
    expect(createdJobs(result).map((job) => job.action)).toEqual(["prepare_data_2", "analyse_data"]);
    const analyse = onlyJob(tc, "analyse_data");
    const prepare2 = onlyJob(tc, "prepare_data_2");
    expect(analyse.waitForJobIds).toEqual([prepare1.id, prepare2.id]);
    expect(prepare2.waitForJobIds).toEqual([generate.id]);
    expect(jobsFor(tc, "generate_dataset")).toHaveLength(1);
  });

  it("T38 active jobs of other backends are ignored", async () => {
    const other = buildTestController({ env: { BACKENDS: "foo,bar" } });
    try {
      await study.create(other, { requestedActions: ["analyse_data"], backend: "foo" });
      await study.create(other, { requestedActions: ["analyse_data"], backend: "bar" });
      for (const action of ["generate_dataset", "prepare_data_1", "prepare_data_2", "analyse_data"]) {
        expect(jobsFor(other, action)).toHaveLength(2);
      }
      for (const backend of ["foo", "bar"]) {
        const generate = onlyJob(other, "generate_dataset", backend);
        const prepare1 = onlyJob(other, "prepare_data_1", backend);
        const prepare2 = onlyJob(other, "prepare_data_2", backend);
        const analyse = onlyJob(other, "analyse_data", backend);
        expect(prepare1.waitForJobIds).toEqual([generate.id]);
        expect(analyse.waitForJobIds).toEqual([prepare1.id, prepare2.id]);
      }
    } finally {
      other.dispose();
    }
  });

  it("T39 succeeded dependencies are reused and not waited on", async () => {
    await study.create(tc, { requestedActions: ["prepare_data_1"] });
    const prepare1 = onlyJob(tc, "prepare_data_1");
    const generate = onlyJob(tc, "generate_dataset");
    forceState(tc.deps, generate.id, "succeeded", "succeeded");

    const result = await study.create(tc, { requestedActions: ["analyse_data"] });
    expect(result.kind === "created" && result.count).toBe(2);
    const analyse = onlyJob(tc, "analyse_data");
    const prepare2 = onlyJob(tc, "prepare_data_2");
    expect(analyse.waitForJobIds).toEqual([prepare1.id, prepare2.id]);
    expect(prepare2.waitForJobIds).toEqual([]);
  });

  it("T40 cancelled dependencies are invisible and get re-created", async () => {
    await study.create(tc, { requestedActions: ["generate_dataset"] });
    const cancelled = onlyJob(tc, "generate_dataset");
    expect(tc.deps.jobs.markCancelled(cancelled.rapId, ["generate_dataset"], 1)).toBe(1);

    const result = await study.create(tc, { requestedActions: ["prepare_data_1"] });
    expect(result.kind === "created" && result.count).toBe(2);
    const prepare = onlyJob(tc, "prepare_data_1");
    const fresh = jobsFor(tc, "generate_dataset").filter((job) => !job.cancelled);
    expect(fresh).toHaveLength(1);
    expect(fresh[0]!.id).not.toBe(cancelled.id);
    expect(prepare.waitForJobIds).toEqual([fresh[0]!.id]);
  });

  it("T41 run_all ignores failed actions that were removed from project.yaml", async () => {
    const obsolete = `${TEST_PROJECT}
  obsolete_action:
    run: python:latest -c pass
    outputs:
      moderately_sensitive:
        name: path.csv
`;
    await study.create(tc, { requestedActions: ["obsolete_action"] }, obsolete);
    forceState(tc.deps, onlyJob(tc, "obsolete_action").id, "failed", "nonzero_exit");

    const actions = ["generate_dataset", "prepare_data_1", "prepare_data_2", "analyse_data"];
    const result = await study.create(tc, { requestedActions: actions }, TEST_PROJECT);
    for (const job of createdJobs(result)) forceState(tc.deps, job.id, "succeeded", "succeeded");

    expect(await study.create(tc, { requestedActions: ["run_all"] })).toEqual({
      kind: "nothing_to_do",
      details: "All actions have already completed successfully",
    });
  });
});
