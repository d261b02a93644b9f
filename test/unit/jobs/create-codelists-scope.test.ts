/**
 * Ported from upstream's test_create_or_update_jobs.py (reference/jobrunner.md §9): T47 (stale
 * codelists) and T48 (analysis scope of database jobs), plus the order of new jobs that decides
 * which action such an error names.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { CreateRequest } from "../../../controller/jobs/create-request.js";
import { buildTestController, type TestController } from "../../support/controller-deps.js";
import { forceState } from "../../support/job-factory.js";
import { createdJobs, onlyJob, Study, TEST_PROJECT } from "./helpers.js";

let tc: TestController | undefined;
afterEach(() => tc?.dispose());

function setup(env: Record<string, string> = {}): { tc: TestController; study: Study } {
  tc = buildTestController({ env });
  return {
    tc,
    study: new Study(`${TEST_PROJECT}
  standalone_action:
    run: python:latest analysis/do_something.py
    outputs:
      moderately_sensitive:
        something: done.txt
`),
  };
}

describe("T47 stale codelists", () => {
  it.each([["generate_dataset"], ["analyse_data"]])(
    "requesting %s names the database action, even when only a dependency",
    async (action) => {
      const { tc, study } = setup();
      expect(await study.create(tc, { requestedActions: [action], codelistsOk: false })).toEqual({
        kind: "user_error",
        details: "Codelists are out of date (required by action generate_dataset)",
      });
      expect(tc.deps.jobs.list({ limit: 10 })).toEqual([]);
    },
  );

  it("a request without database actions still succeeds", async () => {
    const { tc, study } = setup();
    const result = await study.create(tc, { requestedActions: ["standalone_action"], codelistsOk: false });
    expect(result.kind === "created" && result.count).toBe(1);
  });

  it("names the first database job in upstream's order: re-runs (by action name) before never-run actions", async () => {
    tc = buildTestController();
    const twoDbActions = (first: string, second: string) => `
version: '5.0'
actions:
${[first, second]
  .map(
    (name) => `  ${name}:
    run: ehrql:v1 generate-dataset analysis/${name}.py --output output/${name}.csv.gz
    outputs:
      highly_sensitive:
        data: output/${name}.csv.gz`,
  )
  .join("\n")}
`;
    const study = new Study(twoDbActions("b_db", "a_db"));
    await study.create(tc, { requestedActions: ["a_db"] });
    forceState(tc.deps, onlyJob(tc, "a_db").id, "failed", "nonzero_exit");
    // File order plans b_db (never run) before a_db (failed, re-run); upstream's order puts the re-run first.
    expect(await study.create(tc, { requestedActions: ["run_all"], codelistsOk: false })).toEqual({
      kind: "user_error",
      details: "Codelists are out of date (required by action a_db)",
    });
    const result = await study.create(tc, { requestedActions: ["run_all"] });
    expect(createdJobs(result).map((job) => job.action)).toEqual(["a_db", "b_db"]);
  });
});

describe("T48 analysis scope", () => {
  async function scopeOf(request: Partial<CreateRequest>, env: Record<string, string> = {}) {
    const { tc, study } = setup(env);
    await study.create(tc, request);
    return onlyJob(tc, request.requestedActions?.[0] ?? "generate_dataset").analysisScope;
  }

  it("non-database jobs store an empty scope", async () => {
    expect(
      await scopeOf({ requestedActions: ["standalone_action"], analysisScope: { dataset_permissions: ["icnarc"] } }),
    ).toEqual({});
  });

  it.each([
    [undefined, { dataset_permissions: [] }],
    [{}, { dataset_permissions: [] }],
    [{ dataset_permissions: ["table3", "table1", "table2"] }, { dataset_permissions: ["table1", "table2", "table3"] }],
  ])("dataset permissions %j -> %j", async (analysisScope, expected) => {
    expect(await scopeOf({ analysisScope, project: "project-with-permissions" })).toEqual(expected);
  });

  it.each([
    [{}, "not-ok-project", { dataset_permissions: [] }],
    [{}, "ok-project", { dataset_permissions: [], component_access: ["event_level_data"] }],
    [
      { component_access: ["some_other_component"] },
      "ok-project",
      { component_access: ["event_level_data", "some_other_component"], dataset_permissions: [] },
    ],
  ])("component access %j for %s -> %j", async (analysisScope, project, expected) => {
    const scope = await scopeOf({ analysisScope, project }, { PROJECTS_WITH_EHRQL_EVENT_LEVEL_ACCESS: "ok-project" });
    expect(scope).toEqual(expected);
  });

  it("keys upstream does not rewrite keep the client's order and key order is preserved", async () => {
    const scope = await scopeOf({
      analysisScope: { population_permissions: ["include_t1oo", "include_ndoo"], dataset_permissions: ["ukrr", "icnarc"] },
    });
    expect(Object.entries(scope)).toEqual([
      ["population_permissions", ["include_t1oo", "include_ndoo"]],
      ["dataset_permissions", ["icnarc", "ukrr"]],
    ]);
  });
});
