/**
 * The agent re-checks what a RUNJOB task asks it to fetch (upstream #1077). A fake controller
 * (standing in for a compromised one) pushes tasks naming a repository of another organisation, a
 * local repository the agent does not allow, and a commit that is not a full sha; a real agent
 * (docker driver) ends each task as permanently failed with a clear message, and fetches, prepares
 * and starts nothing for any of them.
 */
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import { Stage, TaskOutcome, TaskType } from "../../gen/agent/v1/agent_pb.js";
import { agentConfig, startAgent } from "../support/agent-harness.js";
import { startFakeController } from "../support/fake-controller.js";
import { createStudyRepo } from "../support/study-repo.js";
import { standinImage } from "../support/standin-images.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("an agent given a task outside its allow-list", () => {
  it("refuses it before fetching anything, as a permanent failure", async () => {
    const controller = await startFakeController();
    cleanups.push(() => controller.close());
    const config = agentConfig(controller.url, { ALLOW_LOCAL_GIT_REPOS: "false", ALLOWED_GITHUB_ORGS: "opensafely" });
    const agent = startAgent(config);
    cleanups.push(() => agent.stop());
    const stream = await controller.stream(0);

    const study = createStudyRepo({ "project.yaml": "version: '5.0'\nactions: {}\n" });
    const sha = study.commit;
    const tasks = [
      ["refuse-org", "https://github.com/someone-else/malware", sha],
      ["refuse-local", study.path, sha],
      ["refuse-short", "https://github.com/opensafely/study", sha.slice(0, 7)],
    ] as const;
    for (const [id, repoUrl, commit] of tasks) {
      stream.pushTask({
        id,
        backend: "test",
        type: TaskType.RUNJOB,
        definition: {
          case: "job",
          value: { id: `job-${id}`, taskId: id, repoUrl, commit, workspace: "ws", action: "a", image: standinImage("python:v2") },
        },
      });
    }
    await controller.until(() => stream.updates.filter((update) => update.complete).length === 3, "three refusals");
    const outcomes = stream.updates.map((update) => [
      update.taskId,
      update.stage,
      update.result?.outcome,
      update.result?.error?.type,
      update.result?.error?.permanent,
      update.result?.error?.message,
    ]);
    expect(outcomes).toEqual([
      [
        "refuse-org",
        Stage.ERROR,
        TaskOutcome.FAILED,
        "RepositoryNotAllowedError",
        true,
        "Repository https://github.com/someone-else/malware does not belong to one of the following Github organisations: opensafely",
      ],
      [
        "refuse-local",
        Stage.ERROR,
        TaskOutcome.FAILED,
        "RepositoryNotAllowedError",
        true,
        `Repository ${study.path} is a local path and this agent does not allow local repositories`,
      ],
      [
        "refuse-short",
        Stage.ERROR,
        TaskOutcome.FAILED,
        "RepositoryNotAllowedError",
        true,
        `Commit '${sha.slice(0, 7)}' is not a full 40-character sha; this agent will not fetch it`,
      ],
    ]);
    // Nothing fetched, prepared or started.
    expect(existsSync(config.storage.reposDir) ? readdirSync(config.storage.reposDir) : []).toEqual([]);
    expect(existsSync(config.storage.volumesDir) ? readdirSync(config.storage.volumesDir) : []).toEqual([]);
    expect(existsSync(path.join(config.storage.highPrivacyDir, "logs"))).toBe(false);
    const containers = await execa("docker", [
      "container",
      "ls",
      "--all",
      "--filter",
      "label=task-id=refuse-org",
      "--format",
      "{{.Names}}",
    ]);
    expect(containers.stdout).toBe("");
  });
});
