/**
 * A real `rap agent` process with the kubernetes driver, SIGKILLed at each step of a job and started
 * again: the job runs once (one Job created, one pod made by the fake's Job controller, from the
 * fake's own records) and its result reaches the controller. The API server is the fake (no real
 * cluster was available); its pods run as real docker containers.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentConfig } from "../../agent/config.js";
import { jobId } from "../../controller/jobs/ids.js";
import { agentConfig } from "../support/agent-harness.js";
import { spawnAgent, type AgentProcess } from "../support/agent-process.js";
import { createBody, rest, startController, type ControllerHarness } from "../support/controller-harness.js";
import {
  assertNothingLeft,
  NAMESPACE,
  startKubernetesTestEnvironment,
  type KubernetesTestEnvironment,
} from "../support/fake-kubernetes/kubernetes-runtime.js";
import { createStudyRepo } from "../support/study-repo.js";
import { waitFor } from "../support/wait-for.js";

const ENV = { MAINTENANCE_ENABLED_BACKENDS: "", DATA_CHECK_ENABLED_BACKENDS: "" };
const GATE = "while [ ! -f go ]; do sleep 0.05; done";
/** Many outputs, so finalize (filing them into the workspace) takes a while. */
const MANY_OUTPUTS = 'mkdir -p output/many; i=0; while [ $i -lt 3000 ]; do echo "$i" > output/many/f$i.txt; i=$((i+1)); done';

interface ApiJob {
  status: string;
  status_code: string;
  status_message: string;
}

describe("kubernetes agent SIGKILLed at each step (fake API server, real docker, real agent process)", () => {
  let env: KubernetesTestEnvironment;
  let controller: ControllerHarness;
  let config: AgentConfig;
  let child: AgentProcess | undefined;

  beforeAll(async () => {
    env = await startKubernetesTestEnvironment();
    controller = await startController({ env: ENV });
    config = agentConfig(controller.url, { AGENT_CONFIG: env.writeAgentConfig() });
  });
  afterAll(async () => {
    try {
      await child?.kill("SIGTERM");
      await assertNothingLeft(env);
    } finally {
      await controller.dispose();
      await env.dispose();
    }
  });

  async function start(script: string): Promise<{ id: string; workspace: string; job: () => Promise<ApiJob | undefined> }> {
    const rapId = randomBytes(8).toString("hex");
    const workspace = `ws-kill-${rapId.slice(0, 6)}`;
    const study = createStudyRepo({
      "project.yaml": [
        'version: "5.0"',
        "actions:",
        "  once:",
        "    run: python:v2 analysis/once.sh",
        "    outputs:",
        "      moderately_sensitive:",
        "        runs: output/runs.txt",
        "        many: output/many/*.txt",
        "",
      ].join("\n"),
      "analysis/once.sh": `set -e\nmkdir -p output/many\necho run >> output/runs.txt\necho x > output/many/first.txt\n${script}\n`,
    });
    const created = await rest(
      controller,
      "POST",
      "/controller/v1/rap/create/",
      createBody({ rap_id: rapId, repo_url: study.path, commit: study.commit, workspace, requested_actions: ["once"] }),
    );
    expect(created.status).toBe(201);
    const job = async () => {
      const response = await rest(controller, "POST", "/controller/v1/rap/status/", { rap_ids: [rapId] });
      return (response.json as { jobs: ApiJob[] }).jobs[0];
    };
    return { id: jobId(rapId, "once"), workspace, job };
  }

  const selector = (id: string) => `rap-runner/job-id=${id}`;
  const podPhase = (id: string) =>
    env.cluster.list("pods", NAMESPACE, selector(id)).map((pod) => (pod.status as { phase?: string } | undefined)?.phase)[0];
  const podsCreated = (id: string) =>
    [...env.cluster.podsCreated].filter(([name]) => name.startsWith(`os-job-${id}`)).reduce((sum, [, n]) => sum + n, 0);

  /** Restarts the agent, waits for the result at the controller and checks the job ran once. */
  async function restartAndExpectOnce(
    id: string,
    workspace: string,
    job: () => Promise<ApiJob | undefined>,
    createsBefore: number,
  ): Promise<void> {
    child = spawnAgent(config);
    const finished = await waitFor(
      async () => {
        const found = await job();
        return found && (found.status === "succeeded" || found.status === "failed") && found;
      },
      { timeoutMs: 90_000, message: "the job's result to reach the controller after the restart" },
    );
    expect([finished.status_code, finished.status_message]).toEqual(["succeeded", "Completed successfully"]);
    const outputs = path.join(config.storage.highPrivacyDir, "workspaces", workspace, "output");
    expect(readFileSync(path.join(outputs, "runs.txt"), "utf8")).toBe("run\n");
    expect(env.cluster.server.count("create", "jobs") - createsBefore).toBe(1);
    expect(podsCreated(id)).toBe(1);
    // The result is reported before cleanup: let the agent tidy up, then stop it.
    await waitFor(
      () => env.cluster.list("jobs", NAMESPACE, selector(id)).length === 0 && !existsSync(path.join(env.volumesDir, id)),
      {
        timeoutMs: 30_000,
        message: "the job's Job and volume to be removed",
      },
    );
    await child.kill("SIGTERM");
    child = undefined;
  }

  it("after the Job is created, before its pod runs", async () => {
    const createsBefore = env.cluster.server.count("create", "jobs");
    env.cluster.holdPods();
    child = spawnAgent(config);
    const { id, workspace, job } = await start("true");
    await waitFor(() => env.cluster.list("jobs", NAMESPACE, selector(id)).length === 1, {
      timeoutMs: 60_000,
      message: "the Job to be created",
    });
    expect(podPhase(id)).toBe("Pending");
    await child.kill("SIGKILL");
    env.cluster.releasePods();
    await restartAndExpectOnce(id, workspace, job, createsBefore);
  });

  it("while the job's pod runs", async () => {
    const createsBefore = env.cluster.server.count("create", "jobs");
    child = spawnAgent(config);
    const { id, workspace, job } = await start(GATE);
    await waitFor(() => podPhase(id) === "Running" && existsSync(path.join(env.volumesDir, id, "output/runs.txt")), {
      timeoutMs: 60_000,
      message: "the job to run",
    });
    await child.kill("SIGKILL");
    writeFileSync(path.join(env.volumesDir, id, "go"), "");
    await restartAndExpectOnce(id, workspace, job, createsBefore);
  });

  it("during finalize (some outputs filed, the result not yet reported)", async () => {
    const createsBefore = env.cluster.server.count("create", "jobs");
    child = spawnAgent(config);
    const { id, workspace, job } = await start(MANY_OUTPUTS);
    const filed = path.join(config.storage.highPrivacyDir, "workspaces", workspace, "output/many");
    // Finalize has begun once it files the first output into the workspace.
    await waitFor(() => existsSync(filed), { timeoutMs: 60_000, intervalMs: 5, message: "finalize to file outputs" });
    await child.kill("SIGKILL");
    // Killed before the result was reported: the controller still shows the job running.
    expect((await job())?.status).toBe("running");
    // …and had not filed them all: the kill fell inside finalize.
    expect(readdirSync(filed).length).toBeLessThan(3001);
    await restartAndExpectOnce(id, workspace, job, createsBefore);
    const many = path.join(config.storage.highPrivacyDir, "workspaces", workspace, "output/many");
    expect(readFileSync(path.join(many, "f2999.txt"), "utf8")).toBe("2999\n");
  });
});
