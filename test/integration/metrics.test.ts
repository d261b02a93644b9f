/**
 * Prometheus metrics after a scripted study, through real parts: the REST API, a real controller,
 * a real agent with the docker driver running real containers. Both /metrics endpoints are scraped
 * and parsed with a Prometheus text-format parser; the series asserted are exact.
 */
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { createExecutor } from "../../agent/executor-factory.js";
import { createAgentLogger } from "../../agent/logger.js";
import { observedAgent, type ObservedAgent } from "../../agent/telemetry/agent-telemetry.js";
import { agentConfig } from "../support/agent-harness.js";
import { createBody, rest, startController, type ControllerHarness } from "../support/controller-harness.js";
import { scrape, series } from "../support/prometheus.js";
import { createStudyRepo, TWO_ACTION_STUDY } from "../support/study-repo.js";
import { waitFor } from "../support/wait-for.js";

const RAP_ID = randomBytes(8).toString("hex");
// No scheduled database tasks: every series below then comes from the study alone.
const ENV = { MAINTENANCE_ENABLED_BACKENDS: "", DATA_CHECK_ENABLED_BACKENDS: "" };

describe("metrics", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function runAgentWithMetrics(url: string): Promise<ObservedAgent> {
    const config = agentConfig(url, { AGENT_METRICS_PORT: "0" });
    const log = createAgentLogger("error");
    const observed = await observedAgent(config, createExecutor(config, log), log);
    const stop = new AbortController();
    const done = observed.agent.run(stop.signal).finally(() => observed.agent.close());
    cleanups.push(async () => {
      await waitFor(() => observed.agent.inFlight().length === 0, { timeoutMs: 15_000, message: "tasks to finish" });
      stop.abort();
      await done.catch(() => undefined);
      await observed.server?.close();
    });
    return observed;
  }

  it("counts a two-action study's jobs, dispatches, requests, agent state and executor operations exactly", async () => {
    let controller: ControllerHarness = await startController({ env: ENV });
    cleanups.push(() => controller.dispose());
    const before = await scrape(`${controller.url}/metrics`);
    expect(before.contentType).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(series(before, "rap_agent_connected")).toEqual({ "backend=test": 0, "backend=tpp": 0 });
    expect(series(before, "rap_jobs")).toEqual({});

    const observed = await runAgentWithMetrics(controller.url);
    const agentUrl = `http://127.0.0.1:${observed.server!.port}/metrics`;
    const study = createStudyRepo(TWO_ACTION_STUDY);
    const created = await rest(
      controller,
      "POST",
      "/controller/v1/rap/create/",
      createBody({ rap_id: RAP_ID, repo_url: study.path, commit: study.commit }),
    );
    expect(created.status).toBe(201);
    let statusCalls = 0;
    await waitFor(
      async () => {
        statusCalls += 1;
        const response = await rest(controller, "POST", "/controller/v1/rap/status/", { rap_ids: [RAP_ID] });
        const jobs = (response.json as { jobs: { status: string }[] }).jobs;
        return jobs.length === 2 && jobs.every((job) => job.status === "succeeded");
      },
      { timeoutMs: 60_000, message: "both jobs to succeed" },
    );
    await waitFor(() => observed.agent.inFlight().length === 0 && observed.agent.outbox.pending().length === 0, {
      timeoutMs: 15_000,
      message: "the agent to finish and be acknowledged",
    });

    const metrics = await scrape(`${controller.url}/metrics`);
    expect(series(metrics, "rap_jobs")).toEqual({ "backend=test,state=succeeded,status_code=succeeded": 2 });
    expect(series(metrics, "rap_job_duration_seconds_count")).toEqual({ "backend=test,state=succeeded": 2 });
    expect(series(metrics, "rap_dispatch_latency_seconds_count")).toEqual({ "backend=test,type=runjob": 2 });
    expect(series(metrics, "rap_agent_connected")).toEqual({ "backend=test": 1, "backend=tpp": 0 });
    expect(series(metrics, "rap_agent_connections_total")).toEqual({ "backend=test": 1 });
    expect(series(metrics, "rap_tasks_active")).toEqual({});
    expect(series(metrics, "rap_backend_paused")).toEqual({ "backend=test": 0, "backend=tpp": 0 });
    expect(series(metrics, "rap_backend_db_maintenance")).toEqual({ "backend=test": 0, "backend=tpp": 0 });
    const requests = series(metrics, "rap_api_requests_total");
    expect(requests["endpoint=/controller/v1/rap/create/,status=201"]).toBe(1);
    expect(requests["endpoint=/controller/v1/rap/status/,status=200"]).toBe(statusCalls);
    expect(requests["endpoint=/metrics,status=200"]).toBe(1);
    const changes = series(metrics, "rap_job_status_changes_total");
    expect(changes["backend=test,status_code=succeeded"]).toBe(2);
    expect(changes["backend=test,status_code=waiting_on_dependencies"]).toBe(1);

    const agent = await scrape(agentUrl);
    expect(series(agent, "rap_agent_connected")).toEqual({ "": 1 });
    expect(series(agent, "rap_agent_stream_reconnects_total")).toEqual({ "": 0 });
    expect(series(agent, "rap_agent_outbox_depth")).toEqual({ "": 0 });
    expect(series(agent, "rap_agent_tasks_in_flight")).toEqual({ "": 0 });
    const operations = series(agent, "rap_executor_operations_total");
    for (const operation of ["prepare", "execute", "finalize", "cleanup"]) {
      expect(operations[`driver=docker,operation=${operation}`]).toBe(2);
    }
    expect(series(agent, "rap_executor_errors_total")).toEqual({});

    // A controller restart: the agent's stream comes back, and counts as one reconnect.
    controller = await controller.restart();
    await waitFor(async () => series(await scrape(agentUrl), "rap_agent_stream_reconnects_total")[""] === 1, {
      timeoutMs: 30_000,
      message: "the agent to reconnect",
    });
    await waitFor(() => observed.agent.currentState === "connected", { timeoutMs: 30_000, message: "the agent to be connected" });
    const after = await scrape(`${controller.url}/metrics`);
    expect(series(after, "rap_agent_connections_total")).toEqual({ "backend=test": 1 });
    expect(series(after, "rap_jobs")).toEqual({ "backend=test,state=succeeded,status_code=succeeded": 2 });
  });
});
