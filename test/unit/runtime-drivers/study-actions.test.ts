/**
 * The action names the manifest's out_of_date_action flags come from: the study's project.yaml at
 * the study commit, read from a real git repository; anything unreadable gives undefined.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createCommandRunner } from "../../../runtime-drivers/exec.js";
import { readStudyActionNames } from "../../../runtime-drivers/study-actions.js";
import type { JobDefinition, Logger } from "../../../runtime-drivers/types.js";
import { createStudyRepo } from "../../support/study-repo.js";

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const signal = new AbortController().signal;

function checkout() {
  return {
    reposDir: mkdtempSync(path.join(tmpdir(), "rap-repos-")),
    tokenUser: "test",
    runner: createCommandRunner({ baseEnv: { PATH: process.env.PATH ?? "" }, debug: false, log: quiet }),
  };
}

function jobOf(study: { path: string; commit: string }, repo = study): JobDefinition {
  return {
    repoUrl: repo.path,
    commit: repo.commit,
    study: { gitRepoUrl: study.path, commit: study.commit, branch: "main" },
  } as JobDefinition;
}

const project = (actions: string[]) =>
  ['version: "4.0"', "actions:", ...actions.flatMap((name) => [`  ${name}:`, `    run: python:v2 ${name}.py`])].join("\n");

describe("study action names", () => {
  it("reads the actions of project.yaml at the study commit, not at the branch head", async () => {
    const study = createStudyRepo({ "project.yaml": project(["generate", "summarise"]) });
    study.commitFiles({ "project.yaml": project(["generate"]) });
    expect(await readStudyActionNames(jobOf(study), checkout(), signal)).toEqual(new Set(["generate", "summarise"]));
  });

  it("reads the study's project.yaml for a reusable action, never the action repository's", async () => {
    const study = createStudyRepo({ "project.yaml": project(["extract", "report"]) });
    const action = createStudyRepo({ "project.yaml": project(["internal"]), "action.py": "" });
    expect(await readStudyActionNames(jobOf(study, action), checkout(), signal)).toEqual(new Set(["extract", "report"]));
  });

  it("gives undefined when the commit, the file or its actions cannot be read", async () => {
    const noProject = createStudyRepo({ "README.md": "no project here" });
    const notYaml = createStudyRepo({ "project.yaml": "actions: [unclosed" });
    const listActions = createStudyRepo({ "project.yaml": "actions:\n  - a\n" });
    const study = createStudyRepo({ "project.yaml": project(["a"]) });
    const missingCommit = { path: study.path, commit: "0".repeat(40) };
    const results = await Promise.all(
      [noProject, notYaml, listActions, missingCommit].map((repo) => readStudyActionNames(jobOf(repo), checkout(), signal)),
    );
    expect(results).toEqual([undefined, undefined, undefined, undefined]);
  });
});
