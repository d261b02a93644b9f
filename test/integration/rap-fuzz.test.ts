/**
 * The RAP API under generated hostile input (test/fuzz/rap-fuzz.ts), bounded for the suite: a few
 * hundred requests against a real controller with a real study repository. `npm run fuzz` runs the
 * same fuzzer for 100,000 requests.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fuzzRap, jobCounter } from "../fuzz/rap-fuzz.js";
import { startController, type ControllerHarness } from "../support/controller-harness.js";
import { createStudyRepo, TWO_ACTION_STUDY } from "../support/study-repo.js";

describe("RAP API fuzzing", () => {
  let controller: ControllerHarness;
  beforeAll(async () => {
    controller = await startController();
  });
  afterAll(async () => {
    await controller.dispose();
  });

  it("keeps every invariant over 300 generated requests: no 5xx, upstream-shaped JSON errors, no partial jobs", async () => {
    const study = createStudyRepo(TWO_ACTION_STUDY);
    const report = await fuzzRap({ url: controller.url, repo: study, countJobs: jobCounter(controller) }, { runs: 300 });
    expect(report.violations).toEqual([]);
    expect(report.requests).toBe(300);
    expect(Object.keys(report.byStatus).every((status) => Number(status) < 500)).toBe(true);
  });
});
