/**
 * Reusable actions (reference/jobrunner.md §4.5; upstream's TestHandleReusableAction, T49) against
 * real local git action repositories under ACTIONS_REPO_BASE, through the real createJobs: rewrite
 * rules, tags (lightweight, annotated, unmerged, moved), every error message in full, and caching.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ActionGitError, ActionRepos } from "../../../controller/git/action-repos.js";
import type { CreateResult } from "../../../controller/rap/create-jobs.js";
import { actionYaml, createActionRepo, type ActionRepo } from "../../support/action-repo.js";
import { buildTestController, type TestController } from "../../support/controller-deps.js";
import { createdJobs, Study } from "./helpers.js";

let base: string;
let tc: TestController;
let action: ActionRepo;

/** A v5 project with one action per entry, each writing its own output. */
function project(runs: Readonly<Record<string, string>>): string {
  const actions = Object.entries(runs).map(
    ([name, run], index) => `  ${name}:
    run: ${run}
    outputs:
      moderately_sensitive:
        out: output/${name}_${index}.png`,
  );
  return `version: '5.0'\nactions:\n${actions.join("\n")}\n`;
}

async function create(runs: Readonly<Record<string, string>>, deps = tc.deps): Promise<CreateResult> {
  const study = new Study(project(runs));
  return study.create({ ...tc, deps }, { requestedActions: ["run_all"] });
}

async function errorFor(run: string): Promise<string> {
  const result = await create({ act: run });
  if (result.kind !== "user_error") throw new Error(`expected user_error, got ${JSON.stringify(result)}`);
  return result.details;
}

beforeEach(() => {
  base = mkdtempSync(path.join(tmpdir(), "rap-actions-"));
  tc = buildTestController({ env: { ACTIONS_REPO_BASE: base } });
  action = createActionRepo(base, "my-action", actionYaml("python:v2 python /action/main.py"));
  action.tag("v1.0");
});
afterEach(() => {
  tc.dispose();
  rmSync(base, { recursive: true, force: true });
});

describe("reusable actions: resolution", () => {
  it("rewrites the run command to the action's, keeping options and arguments, and records repo and commit", async () => {
    const jobs = createdJobs(
      await create({ act: "my-action:v1.0 --output-format=png output/input.csv", plain: "python:v2 analysis/x.py" }),
    );
    const act = jobs.find((job) => job.action === "act")!;
    expect(act.runCommand).toBe("python:v2 python /action/main.py --output-format=png output/input.csv");
    expect(act.actionRepoUrl).toBe(`${base}/my-action`);
    expect(act.actionCommit).toBe(action.commit);
    const plain = jobs.find((job) => job.action === "plain")!;
    expect([plain.runCommand, plain.actionRepoUrl, plain.actionCommit]).toEqual(["python:v2 analysis/x.py", null, null]);
    expect(tc.deps.jobs.get(act.id)?.runCommand).toBe(act.runCommand);

    // The agent is sent the action's repository and commit, with the study kept for bookkeeping.
    tc.scheduler.runOnce();
    const task = tc.deps.tasks.forJob(act.id, "runjob")[0]!;
    expect(task.definition).toMatchObject({
      repoUrl: `${base}/my-action`,
      commit: action.commit,
      image: "ghcr.io/opensafely-core/python:v2",
      args: ["python", "/action/main.py", "--output-format=png", "output/input.csv"],
    });
  });

  it("an annotated tag resolves to its commit, not to the tag object", async () => {
    const second = action.commitFiles(actionYaml("python:v2 python /action/v2.py"));
    action.tag("v1.1", { annotated: true });
    const [job] = createdJobs(await create({ act: "my-action:v1.1" }));
    expect(job!.actionCommit).toBe(second);
    expect(job!.runCommand).toBe("python:v2 python /action/v2.py");
  });

  it("a tag deep in main's history (beyond the first shallow fetch) is approved", async () => {
    const old = action.commit;
    for (let index = 0; index < 12; index++) action.commitFiles({ [`file${index}.txt`]: `${index}\n` });
    action.tag("v0.9", { commit: old });
    const [job] = createdJobs(await create({ act: "my-action:v0.9" }));
    expect(job!.actionCommit).toBe(old);
  });

  it("a file:// base works like a directory", async () => {
    tc.dispose();
    tc = buildTestController({ env: { ACTIONS_REPO_BASE: `file://${base}` } });
    const [job] = createdJobs(await create({ act: "my-action:v1.0" }));
    expect(job!.actionRepoUrl).toBe(`file://${base}/my-action`);
    expect(job!.actionCommit).toBe(action.commit);
  });

  it("resolves each (action, tag) once per request, and again in the next request", async () => {
    class CountingRepos extends ActionRepos {
      resolves = 0;
      reads = 0;
      override resolveRef(name: string, ref: string): Promise<string> {
        this.resolves++;
        return super.resolveRef(name, ref);
      }
      override readFile(name: string, sha: string, file: string): Promise<string | undefined> {
        this.reads++;
        return super.readFile(name, sha, file);
      }
    }
    const counting = new CountingRepos({
      base,
      reposDir: path.join(tc.workdir, "repos"),
      githubProxyDomain: "unused.invalid",
      privateRepoAccessToken: "",
      env: tc.deps.config.childEnv,
    });
    const deps = { ...tc.deps, actionRepos: counting };
    const jobs = createdJobs(await create({ one: "my-action:v1.0 --format=jpg", two: "my-action:v1.0 --format=png" }, deps));
    expect(jobs.map((job) => job.runCommand)).toEqual([
      "python:v2 python /action/main.py --format=jpg",
      "python:v2 python /action/main.py --format=png",
    ]);
    // One ls-remote for the tag and one for main, one action.yaml read: the second job hit the cache.
    expect([counting.resolves, counting.reads]).toEqual([2, 1]);

    // Moving the tag is seen by the next request: nothing is cached across requests.
    const moved = action.commitFiles(actionYaml("python:v2 python /action/moved.py"));
    action.tag("v1.0");
    const [again] = createdJobs(await create({ three: "my-action:v1.0" }, deps));
    expect(again!.actionCommit).toBe(moved);
    expect(again!.runCommand).toBe("python:v2 python /action/moved.py");
    expect([counting.resolves, counting.reads]).toEqual([4, 2]);
  });
});

describe("reusable actions: errors, verbatim", () => {
  it("an unknown tag", async () => {
    expect(await errorFor("my-action:v9")).toBe(`in 'act: my-action:v9' 'v9' is not a tag listed in ${base}/my-action/tags`);
  });

  it("an unknown action repository", async () => {
    expect(await errorFor("no-such-action:v1")).toBe(
      `in 'act: no-such-action:v1' could not find a repo at ${base}/no-such-action\n` +
        "Check that 'no-such-action' is in the list of available actions at https://actions.opensafely.org",
    );
  });

  it("a tag that was never merged into main", async () => {
    action.tag("v2.0", { commit: action.commitOnBranch("feature", { "extra.txt": "x\n" }) });
    expect(await errorFor("my-action:v2.0")).toBe(
      "in 'act: my-action:v2.0' tag 'v2.0' has not yet been approved for use (not merged into main branch)",
    );
  });

  it("a repository without a main branch approves nothing", async () => {
    execFileSync("git", ["-C", action.path, "branch", "-m", "main", "trunk"]);
    expect(await errorFor("my-action:v1.0")).toBe(
      "in 'act: my-action:v1.0' tag 'v1.0' has not yet been approved for use (not merged into main branch)",
    );
  });

  it("a tag without action.yaml", async () => {
    createActionRepo(base, "no-file", { "README.md": "nothing\n" }).tag("v1");
    expect(await errorFor("no-file:v1")).toBe(
      `in 'act: no-file:v1' ${base}/no-file/tree/v1 doesn't look like a valid action (no 'action.yaml' file present)`,
    );
  });

  it.each([
    ["bad-runtime", actionYaml("notanaction:v1"), "ReusableActionError: Unrecognised runtime: notanaction"],
    [
      "db-action",
      actionYaml("ehrql:v1 generate-dataset dataset.py --output dataset.csv"),
      "ReusableActionError: Re-usable actions cannot run commands which access the database",
    ],
    [
      "sqlrunner-action",
      actionYaml("sqlrunner:v1 query.sql"),
      "ReusableActionError: Re-usable actions cannot run commands which access the database",
    ],
    ["no-run", { "action.yaml": "name: nothing to run\n" }, "ReusableActionError: Missing `run` key in 'action.yaml'"],
    ["empty-file", { "action.yaml": "" }, "ReusableActionError: Missing `run` key in 'action.yaml'"],
  ])("an invalid action (%s) asks for an issue on the action's repo", async (name, files, inner) => {
    createActionRepo(base, name, files).tag("v1");
    expect(await errorFor(`${name}:v1`)).toBe(
      `in 'act: ${name}:v1' invalid action, please open an issue on ${base}/${name}/issues\n\n  ${inner}`,
    );
  });

  it("a YAML error in action.yaml is indented line by line, with the file named", async () => {
    createActionRepo(base, "dupe", { "action.yaml": "run: python:v2 a.py\nrun: python:v2 b.py\n" }).tag("v1");
    expect(await errorFor("dupe:v1")).toBe(
      [
        `in 'act: dupe:v1' invalid action, please open an issue on ${base}/dupe/issues`,
        "",
        "  YAMLError: DuplicateKeyError while constructing a mapping",
        '    in "action.yaml", line 1, column 1:',
        "      run: python:v2 a.py",
        "      ^ (line: 1)",
        '  found duplicate key "run" with value "python:v2 b.py" (original value: "python:v2 a.py")',
        '    in "action.yaml", line 2, column 1:',
        "      run: python:v2 b.py",
        "      ^ (line: 2)",
      ].join("\n"),
    );
  });

  it.each([["../evil"], [".."], ["a?b"]])("a name that is not a plain repository name (%s)", async (name) => {
    const details = await errorFor(`'${name}:v1'`);
    expect(details).toMatch(new RegExp(`' '${name.replace(/[.?]/g, "\\$&")}' contains invalid characters$`));
  });

  it("git failures while validating or reading are reported as upstream words them", async () => {
    class FailingRepos extends ActionRepos {
      constructor(private readonly failAt: "validate" | "read") {
        super({
          base,
          reposDir: path.join(tc.workdir, "repos"),
          githubProxyDomain: "unused.invalid",
          privateRepoAccessToken: "",
          env: tc.deps.config.childEnv,
        });
      }
      override isOnMain(name: string, sha: string): Promise<boolean> {
        return this.failAt === "validate" ? Promise.reject(new ActionGitError("boom")) : super.isOnMain(name, sha);
      }
      override readFile(name: string, sha: string, file: string): Promise<string | undefined> {
        return this.failAt === "read" ? Promise.reject(new ActionGitError("boom")) : super.readFile(name, sha, file);
      }
    }
    const validate = await create({ act: "my-action:v1.0" }, { ...tc.deps, actionRepos: new FailingRepos("validate") });
    expect(validate).toEqual({
      kind: "user_error",
      details: `in 'act: my-action:v1.0' error validating '${action.commit}' in ${base}/my-action`,
    });
    const read = await create({ act: "my-action:v1.0" }, { ...tc.deps, actionRepos: new FailingRepos("read") });
    expect(read).toEqual({
      kind: "user_error",
      details: `in 'act: my-action:v1.0' error reading '${action.commit}' from ${base}/my-action`,
    });
  });

  it("the first failing job in the request's order is the one reported, and nothing is inserted", async () => {
    const result = await create({ fine: "my-action:v1.0", broken: "my-action:v7", later: "other:v1" });
    expect(result).toEqual({
      kind: "user_error",
      details: `in 'broken: my-action:v7' 'v7' is not a tag listed in ${base}/my-action/tags`,
    });
    expect(tc.deps.jobs.list({ limit: 10 })).toEqual([]);
  });
});
