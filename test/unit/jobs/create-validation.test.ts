/**
 * Ported from upstream's test_create_or_update_jobs.py (reference/jobrunner.md §9): T42, request
 * validation, with exact messages; plus the other user-actionable create errors of §1.4.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CreateRequest } from "../../../controller/jobs/create-request.js";
import { diagnoseProject } from "../../../controller/pipeline/diagnose-project.js";
import { createJobs } from "../../../controller/rap/create-jobs.js";
import { buildTestController, type TestController } from "../../support/controller-deps.js";
import { createStudyRepo } from "../../support/study-repo.js";
import { makeRequest, Study } from "./helpers.js";

let tc: TestController;
let study: Study;

beforeEach(() => {
  tc = buildTestController({ env: { ALLOWED_GITHUB_ORGS: "test" } });
  study = new Study();
});
afterEach(() => tc.dispose());

async function userError(overrides: Partial<CreateRequest>): Promise<string> {
  const result = await createJobs(tc.deps, ["test", "tpp", "foo"], makeRequest(study.repo, overrides));
  if (result.kind !== "user_error") throw new Error(`expected user_error, got ${JSON.stringify(result)}`);
  return result.details;
}

describe("T42 create request validation", () => {
  it.each([
    [{ workspace: "" }, "Workspace name cannot be blank"],
    [{ workspace: "$%#" }, "Invalid workspace name (allowed are alphanumeric, dash and underscore)"],
    [{ databaseName: "invalid" }, "Invalid database name 'invalid', allowed are: default"],
    [{ backend: "foo" }, "Invalid backend 'foo', allowed are: test, tpp"],
    [{ requestedActions: [] }, "At least one action must be supplied"],
  ] as const)("%j -> %s", async (overrides, message) => {
    expect(await userError(overrides)).toBe(message);
  });

  it.each([
    ["https://not-gihub.com/invalid", "Repository URL https://not-gihub.com/invalid does not start with https://github.com"],
    [
      "https://github.com/test",
      "Repository https://github.com/test was not of the expected format: https://github.com/[organisation]/[project-name]",
    ],
    [
      "https://github.com/other/repo",
      "Repository https://github.com/other/repo does not belong to one of the following Github organisations: test",
    ],
    // Organisation is checked before shape, as upstream does.
    [
      "https://github.com/other/repo/extra",
      "Repository https://github.com/other/repo/extra does not belong to one of the following Github organisations: test",
    ],
    [
      "https://user@github.com/test/repo",
      "Repository URL https://user@github.com/test/repo does not start with https://github.com",
    ],
    ["http://github.com/test/repo", "Repository URL http://github.com/test/repo does not start with https://github.com"],
  ])("repo %s", async (repoUrl, message) => {
    expect(await userError({ repoUrl })).toBe(message);
  });

  it("a backend the client token may not use is refused opaquely before any validation", async () => {
    const result = await createJobs(tc.deps, ["tpp"], makeRequest(study.repo, { workspace: "" }));
    expect(result).toEqual({ kind: "forbidden_backend" });
  });

  it("an unknown action names the action", async () => {
    expect(await userError({ requestedActions: ["nope"] })).toBe("Action 'nope' not found in project.yaml");
  });

  it("a commit that is not in the repository is a git error", async () => {
    const commit = "0123456789abcdef0123456789abcdef01234567";
    expect(await userError({ commit })).toBe(`Error fetching commit ${commit} from ${study.repo.path}`);
  });

  it("a commit without project.yaml says so", async () => {
    const bare = createStudyRepo({ "README.md": "no project here\n" });
    expect(await userError({ repoUrl: bare.path, commit: bare.commit })).toBe(`No project.yaml file found in ${bare.path}`);
  });

  it("a project.yaml with several errors gives upstream's first message only, the first `rap validate` reports", async () => {
    const project = [
      "version: 5",
      "actions:",
      "  generate_dataset:",
      "    run: pyhton:v2 analysis/dataset.py",
      "    output: {highly_sensitive: {dataset: output/dataset.csv}}",
      "    needs: [nothing]",
      "",
    ].join("\n");
    const result = await study.create(tc, {}, project);
    expect(result).toEqual({
      kind: "user_error",
      details: "Invalid project: \nAction generate_dataset must contain a configuration for 'outputs'",
    });
    const diagnostics = diagnoseProject(project).diagnostics;
    expect(diagnostics.map((d) => d.message)).toEqual([
      "Action generate_dataset must contain a configuration for 'outputs'",
      "Unexpected parameters (output) in action generate_dataset",
      "Action `generate_dataset` references an unknown action in its `needs` list: nothing",
      "Action generate_dataset uses `pyhton`, which is not a built-in image, so it would be looked up as a reusable action",
    ]);
  });
});
