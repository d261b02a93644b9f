/**
 * A RAP request end to end through real parts: REST API, controller, agent stream, the docker
 * driver and real containers. Also the two failures the foundation must survive: a controller
 * killed mid-job (the agent's outbox replays the result) and a task delivered twice (one run).
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import { jobId } from "../../controller/jobs/ids.js";
import { Stage } from "../../gen/agent/v1/agent_pb.js";
import { agentConfig, startAgent, type AgentHarness } from "../support/agent-harness.js";
import { createBody, rest, startController, type ControllerHarness } from "../support/controller-harness.js";
import { spawnController, type ControllerProcess } from "../support/controller-process.js";
import { createStudyRepo, TWO_ACTION_STUDY, createGatedStudy } from "../support/study-repo.js";
import { waitFor } from "../support/wait-for.js";

// Random per run: container names derive from it, and another test process may share the runtime.
const RAP_ID = randomBytes(8).toString("hex");

interface ApiJob {
  action: string;
  status: string;
  status_code: string;
  status_message: string;
}

async function jobsOf(controller: { url: string }): Promise<ApiJob[]> {
  const response = await rest(controller, "POST", "/controller/v1/rap/status/", { rap_ids: [RAP_ID] });
  return (response.json as { jobs: ApiJob[] }).jobs;
}

async function waitForJob(
  controller: { url: string },
  action: string,
  predicate: (job: ApiJob) => boolean,
  message: string,
): Promise<ApiJob> {
  return waitFor(async () => (await jobsOf(controller)).find((job) => job.action === action && predicate(job)), {
    timeoutMs: 60_000,
    message,
  });
}

describe("end to end with docker", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function withController(): Promise<ControllerHarness> {
    const controller = await startController();
    cleanups.push(() => controller.dispose());
    return controller;
  }

  function withAgent(url: string): AgentHarness {
    const agent = startAgent(agentConfig(url));
    cleanups.push(() => agent.stop());
    return agent;
  }

  it("runs a two-action RAP to succeeded and files outputs by privacy level", async () => {
    const controller = await withController();
    const agent = withAgent(controller.url);
    const study = createStudyRepo(TWO_ACTION_STUDY);
    const created = await rest(
      controller,
      "POST",
      "/controller/v1/rap/create/",
      createBody({ rap_id: RAP_ID, repo_url: study.path, commit: study.commit }),
    );
    expect(created.json).toEqual({ result: "Success", details: `Jobs created for rap_id '${RAP_ID}'`, rap_id: RAP_ID, count: 2 });

    await waitForJob(controller, "summarise", (job) => job.status === "succeeded", "summarise to succeed");
    const jobs = await jobsOf(controller);
    expect(jobs.map((job) => [job.action, job.status, job.status_code, job.status_message])).toEqual([
      ["generate", "succeeded", "succeeded", "Completed successfully"],
      ["summarise", "succeeded", "succeeded", "Completed successfully"],
    ]);

    const { highPrivacyDir, mediumPrivacyDir, volumesDir } = agent.config.storage;
    expect(readFileSync(path.join(highPrivacyDir, "workspaces/workspace/output/dataset.csv"), "utf8")).toBe(
      "patient_id,age\n1,40\n2,50\n",
    );
    expect(readFileSync(path.join(highPrivacyDir, "workspaces/workspace/output/summary.csv"), "utf8")).toBe("count\n2\n");
    expect(readFileSync(path.join(mediumPrivacyDir, "workspaces/workspace/output/summary.csv"), "utf8")).toBe("count\n2\n");
    // Patient-level data never reaches the medium-privacy store.
    expect(existsSync(path.join(mediumPrivacyDir, "workspaces/workspace/output/dataset.csv"))).toBe(false);
    const log = readFileSync(path.join(highPrivacyDir, "workspaces/workspace/metadata/generate.log"), "utf8");
    expect(log).toMatch(/^\S+Z generated\n\n=============JOB SUMMARY=============\n/);
    // Cleaned up: no working directories left.
    expect(existsSync(path.join(volumesDir, jobId(RAP_ID, "generate")))).toBe(false);
  });

  it("fails a job at once, with the reason, when its checkout can never succeed (a permanent error)", async () => {
    const controller = await withController();
    const study = createStudyRepo(TWO_ACTION_STUDY);
    const body = createBody({ rap_id: RAP_ID, repo_url: study.path, commit: study.commit, requested_actions: ["generate"] });
    expect((await rest(controller, "POST", "/controller/v1/rap/create/", body)).status).toBe(201);
    // The repository goes away after the controller checked the commit: no retry can bring it back.
    rmSync(study.path, { recursive: true, force: true });
    withAgent(controller.url);
    const job = await waitForJob(controller, "generate", (found) => found.status === "failed", "the job to fail");
    expect([job.status_code, job.status_message]).toEqual([
      "job_error",
      `This job returned a fatal error. CheckoutError: Could not checkout commit ${study.commit} from ${study.path}`,
    ]);
    // No second task: a permanent error is not retried.
    expect(controller.app.deps.tasks.forJob(jobId(RAP_ID, "generate"), "runjob").map((task) => task.id)).toEqual([
      `${jobId(RAP_ID, "generate")}-001`,
    ]);
  });

  it("delivers a result produced while the controller was killed (outbox replay)", async () => {
    const workdir = mkdtempSync(path.join(tmpdir(), "rap-killed-"));
    let controller: ControllerProcess = await spawnController(workdir);
    cleanups.push(() => controller.kill("SIGKILL"));
    const agent = withAgent(controller.url);
    const study = createGatedStudy();
    const gated = jobId(RAP_ID, "gated");
    await rest(
      controller,
      "POST",
      "/controller/v1/rap/create/",
      createBody({ rap_id: RAP_ID, repo_url: study.path, commit: study.commit, requested_actions: ["gated"] }),
    );
    await waitForJob(controller, "gated", (job) => job.status_code === "executing", "the job to execute");

    await controller.kill("SIGKILL");
    writeFileSync(path.join(agent.config.storage.volumesDir, gated, "go"), "");
    // The agent finishes the job with nobody listening: the result waits in its outbox.
    await waitFor(() => agent.agent.outbox.pending().some((update) => update.complete && update.stage === Stage.FINALIZED), {
      timeoutMs: 60_000,
      message: "the completed update to be queued in the outbox",
    });

    controller = await spawnController(workdir, controller.port);
    const job = await waitForJob(controller, "gated", (found) => found.status === "succeeded", "the replayed result to arrive");
    expect(job.status_message).toBe("Completed successfully");
    await waitFor(() => agent.agent.outbox.pending().length === 0, { message: "the outbox to drain" });
  });

  it("runs one container when the same task is delivered twice", async () => {
    const controller = await withController();
    const agent = withAgent(controller.url);
    const study = createGatedStudy();
    const gated = jobId(RAP_ID, "gated");
    await rest(
      controller,
      "POST",
      "/controller/v1/rap/create/",
      createBody({ rap_id: RAP_ID, repo_url: study.path, commit: study.commit, requested_actions: ["gated"] }),
    );
    await waitForJob(controller, "gated", (job) => job.status_code === "executing", "the job to execute");

    // Break the stream: the agent reconnects and the controller pushes the still-active task again.
    const first = controller.app.sessions.get("test");
    first?.close(new ConnectError("test: stream dropped", Code.Unavailable));
    await waitFor(
      () => {
        const current = controller.app.sessions.get("test");
        return current !== undefined && current !== first && current.pushedTaskIds.has(`${gated}-001`);
      },
      { message: "the agent to reconnect and be sent the task again" },
    );

    writeFileSync(path.join(agent.config.storage.volumesDir, gated, "go"), "");
    await waitForJob(controller, "gated", (job) => job.status === "succeeded", "the job to succeed");
    expect(readFileSync(path.join(agent.config.storage.highPrivacyDir, "workspaces/workspace/output/runs.txt"), "utf8")).toBe(
      "run\n",
    );
  });

  it("stops an agent whose token the controller refuses", async () => {
    const controller = await withController();
    const agent = startAgent(agentConfig(controller.url, { AGENT_TOKEN: "wrong" }));
    await expect(agent.done).rejects.toThrow("controller refused this agent: [unauthenticated] Invalid agent token");
  });
});
