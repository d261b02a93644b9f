/**
 * Health and the shutdown ladder with a real controller, a real agent (docker) and real SQLite:
 * /healthz, /readyz and /version on both; /readyz unready when the database takes no write or is
 * behind; a drain with a job in hand loses no result and takes no new task.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { createAgentLogger } from "../../agent/logger.js";
import { runAgent } from "../../agent/service.js";
import { createExecutor } from "../../agent/executor-factory.js";
import { observedAgent } from "../../agent/telemetry/agent-telemetry.js";
import { jobId } from "../../controller/jobs/ids.js";
import { latestVersion } from "../../controller/store/migrate.js";
import { agentConfig, startAgent } from "../support/agent-harness.js";
import { createBody, rest, startController, type ControllerHarness } from "../support/controller-harness.js";
import { createGatedStudy } from "../support/study-repo.js";
import { waitFor } from "../support/wait-for.js";

async function get(url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.text() };
}

async function jobStatus(controller: ControllerHarness, rapId: string): Promise<{ status: string; status_code: string }> {
  const response = await rest(controller, "POST", "/controller/v1/rap/status/", { rap_ids: [rapId] });
  const [job] = (response.json as { jobs: { status: string; status_code: string }[] }).jobs;
  if (!job) throw new Error(`no job for ${rapId}`);
  return job;
}

describe("lifecycle", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it("answers /healthz, /readyz and /version, and turns unready when the database takes no write or is behind", async () => {
    const controller = await startController({ env: { RAP_VERSION: "9.8.7+abc1234" } });
    cleanups.push(() => controller.dispose());
    expect(await get(`${controller.url}/healthz`)).toEqual({ status: 200, body: "ok\n" });
    expect(await get(`${controller.url}/readyz`)).toEqual({ status: 200, body: "database writable and migrations current\n" });
    expect(await get(`${controller.url}/version`)).toEqual({ status: 200, body: '{"version":"9.8.7+abc1234"}\n' });

    // Another process holds the write lock: the controller could not record anything now.
    const other = new BetterSqlite3(controller.app.deps.config.databasePath);
    cleanups.push(() => void other.close());
    other.exec("BEGIN EXCLUSIVE");
    expect(await get(`${controller.url}/readyz`)).toEqual({ status: 503, body: "database not writable: database is locked\n" });
    expect((await get(`${controller.url}/healthz`)).status).toBe(200);
    other.exec("ROLLBACK");
    expect((await get(`${controller.url}/readyz`)).status).toBe(200);

    // A database rolled back to an older schema under the running controller.
    const latest = latestVersion();
    other.pragma(`user_version = ${latest - 1}`);
    expect(await get(`${controller.url}/readyz`)).toEqual({
      status: 503,
      body: `database is at migration ${latest - 1}, this controller needs ${latest}\n`,
    });
    other.pragma(`user_version = ${latest}`);
    expect((await get(`${controller.url}/readyz`)).status).toBe(200);
  });

  it("serves the agent's /healthz, /readyz and /version on its metrics port", async () => {
    const controller = await startController();
    cleanups.push(() => controller.dispose());
    const config = agentConfig(controller.url, { AGENT_METRICS_PORT: "0", RAP_VERSION: "1.2.3" });
    const log = createAgentLogger("error");
    const observed = await observedAgent(config, createExecutor(config, log), log);
    const base = `http://127.0.0.1:${observed.server!.port}`;
    cleanups.push(() => observed.server?.close());
    expect(await get(`${base}/readyz`)).toEqual({ status: 503, body: "stream to the controller is starting\n" });
    const stop = new AbortController();
    const done = observed.agent.run(stop.signal).finally(() => observed.agent.close());
    cleanups.push(async () => {
      stop.abort();
      await done.catch(() => undefined);
    });
    await waitFor(async () => (await get(`${base}/readyz`)).status === 200, { message: "agent ready" });
    expect(await get(`${base}/readyz`)).toEqual({ status: 200, body: "stream to the controller is connected\n" });
    expect(await get(`${base}/healthz`)).toEqual({ status: 200, body: "ok\n" });
    expect(await get(`${base}/version`)).toEqual({ status: 200, body: '{"version":"1.2.3"}\n' });
    await controller.stop();
    await waitFor(async () => (await get(`${base}/readyz`)).status === 503, { message: "agent unready" });
    expect((await get(`${base}/readyz`)).body).toBe("stream to the controller is connecting\n");
  });

  it("drains with a job in hand: the result reaches the controller, no new task is taken", async () => {
    const controller = await startController();
    cleanups.push(() => controller.dispose());
    const config = agentConfig(controller.url, { AGENT_SHUTDOWN_GRACE_SECONDS: "120" });
    const drain = new AbortController();
    const cancel = new AbortController();
    const running = runAgent(config, createAgentLogger("error"), { drain: drain.signal, cancel: cancel.signal });
    cleanups.push(async () => {
      cancel.abort();
      await running.catch(() => undefined);
    });
    const study = createGatedStudy();
    const first = "aaaaaaaa23456789";
    const second = "bbbbbbbb23456789";
    const create = (rapId: string) =>
      rest(
        controller,
        "POST",
        "/controller/v1/rap/create/",
        createBody({ rap_id: rapId, workspace: rapId, repo_url: study.path, commit: study.commit, requested_actions: ["gated"] }),
      );
    expect((await create(first)).status).toBe(201);
    await waitFor(async () => (await jobStatus(controller, first)).status_code === "executing", {
      message: "first job executing",
    });

    drain.abort();
    let finished = false;
    void running.then(() => (finished = true));
    // Asked for while draining: the controller hands it over, the draining agent leaves it.
    expect((await create(second)).status).toBe(201);
    await waitFor(() => controller.app.deps.tasks.forJob(jobId(second, "gated"), "runjob").length === 1, {
      message: "the second job's task",
    });
    expect(finished).toBe(false);

    writeFileSync(path.join(config.storage.volumesDir, jobId(first, "gated"), "go"), "");
    await running;
    // No waiting here: the drain ended only once the controller had acknowledged the result.
    expect(await jobStatus(controller, first)).toMatchObject({ status: "succeeded", status_code: "succeeded" });
    // Handed to the backend, never started by the draining agent: no update came back for it.
    expect(await jobStatus(controller, second)).toMatchObject({ status: "running", status_code: "initiated" });

    // The next agent takes it up.
    const next = startAgent(agentConfig(controller.url));
    cleanups.push(() => next.stop());
    await waitFor(async () => (await jobStatus(controller, second)).status_code === "executing", {
      message: "second job executing",
    });
    writeFileSync(path.join(next.config.storage.volumesDir, jobId(second, "gated"), "go"), "");
    await waitFor(async () => (await jobStatus(controller, second)).status === "succeeded", { message: "second job succeeded" });
  });
});
