/**
 * Finding 4 of the reliability review: a study could fork thousands of processes. Job containers
 * now run with a pids limit (JOB_PIDS_LIMIT, 1024 by default): a job that tries to hold more
 * processes at once than its limit cannot fork, and fails like any job whose command fails.
 */
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { agentConfig, startAgent } from "../support/agent-harness.js";
import { createBody, rest, startController } from "../support/controller-harness.js";
import { createStudyRepo } from "../support/study-repo.js";
import { waitFor } from "../support/wait-for.js";

describe("resource limits", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it("a job cannot hold more processes at once than JOB_PIDS_LIMIT", async () => {
    const rapId = randomBytes(8).toString("hex");
    const controller = await startController();
    cleanups.push(() => controller.dispose());
    // 60 sleepers against a limit of 30: a fork fails, and `set -e` ends the script with an error.
    const study = createStudyRepo({
      "project.yaml": [
        'version: "5.0"',
        "actions:",
        "  forks:",
        "    run: python:v2 analysis/forks.sh",
        "    outputs:",
        "      moderately_sensitive:",
        "        out: output/out.txt",
        "",
      ].join("\n"),
      "analysis/forks.sh": "set -e\nmkdir -p output\nfor i in $(seq 60); do sleep 30 & done\necho all forked > output/out.txt\n",
    });
    const body = createBody({ rap_id: rapId, repo_url: study.path, commit: study.commit, requested_actions: ["forks"] });
    expect((await rest(controller, "POST", "/controller/v1/rap/create/", body)).status).toBe(201);
    const agent = startAgent(agentConfig(controller.url, { JOB_PIDS_LIMIT: "30" }));
    cleanups.push(() => agent.stop());
    const job = await waitFor(
      async () => {
        const response = await rest(controller, "POST", "/controller/v1/rap/status/", { rap_ids: [rapId] });
        const found = (response.json as { jobs: { status: string; status_code: string }[] }).jobs[0];
        return found?.status === "failed" || found?.status === "succeeded" ? found : undefined;
      },
      { timeoutMs: 60_000, message: "the job to end" },
    );
    expect([job.status, job.status_code]).toEqual(["failed", "nonzero_exit"]);
  });
});
