/**
 * The Kubernetes driver's counters on the agent's /metrics: a real controller, a real agent built
 * as `rap agent` builds it, the kubernetes driver against the fake API server (no real cluster was
 * available) whose pods run as real docker containers; the agent's endpoint is scraped and parsed.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgentLogger } from "../../agent/logger.js";
import { createObservedAgent } from "../../agent/telemetry/agent-telemetry.js";
import { agentConfig } from "../support/agent-harness.js";
import { createBody, rest, startController, type ControllerHarness } from "../support/controller-harness.js";
import {
  assertNothingLeft,
  startKubernetesTestEnvironment,
  type KubernetesTestEnvironment,
} from "../support/fake-kubernetes/kubernetes-runtime.js";
import { scrape, series } from "../support/prometheus.js";
import { createStudyRepo, TWO_ACTION_STUDY } from "../support/study-repo.js";
import { waitFor } from "../support/wait-for.js";

const RAP_ID = randomBytes(8).toString("hex");
const ENV = { MAINTENANCE_ENABLED_BACKENDS: "", DATA_CHECK_ENABLED_BACKENDS: "" };

describe("kubernetes driver metrics on the agent's /metrics (fake API server, real docker)", () => {
  let env: KubernetesTestEnvironment;
  let controller: ControllerHarness;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    env = await startKubernetesTestEnvironment();
    controller = await startController({ env: ENV });
  });
  afterAll(async () => {
    try {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
      await assertNothingLeft(env);
    } finally {
      await controller.dispose();
      await env.dispose();
    }
  });

  it("counts API calls by verb and resource, Job creates, relists and limiter waits after a study", async () => {
    const config = agentConfig(controller.url, { AGENT_METRICS_PORT: "0", AGENT_CONFIG: env.writeAgentConfig() });
    const observed = await createObservedAgent(config, createAgentLogger("error"));
    const stop = new AbortController();
    const done = observed.agent.run(stop.signal).finally(() => observed.agent.close());
    cleanups.push(async () => {
      await waitFor(() => observed.agent.inFlight().length === 0, { timeoutMs: 15_000, message: "tasks to finish" });
      stop.abort();
      await done.catch(() => undefined);
      await observed.server?.close();
    });
    const agentUrl = `http://127.0.0.1:${observed.server!.port}/metrics`;
    const before = await scrape(agentUrl);
    expect(series(before, "rap_kubernetes_job_create_calls_total")).toEqual({ "": 0 });

    const study = createStudyRepo(TWO_ACTION_STUDY);
    const created = await rest(
      controller,
      "POST",
      "/controller/v1/rap/create/",
      createBody({ rap_id: RAP_ID, repo_url: study.path, commit: study.commit }),
    );
    expect(created.status).toBe(201);
    await waitFor(
      async () => {
        const response = await rest(controller, "POST", "/controller/v1/rap/status/", { rap_ids: [RAP_ID] });
        const jobs = (response.json as { jobs: { status: string }[] }).jobs;
        return jobs.length === 2 && jobs.every((job) => job.status === "succeeded");
      },
      { timeoutMs: 90_000, message: "both jobs to succeed" },
    );
    await waitFor(() => observed.agent.inFlight().length === 0 && observed.agent.outbox.pending().length === 0, {
      timeoutMs: 30_000,
      message: "the agent to finish and be acknowledged",
    });

    const metrics = await scrape(agentUrl);
    expect(series(metrics, "rap_kubernetes_job_create_calls_total")).toEqual({ "": 2 });
    expect(series(metrics, "rap_kubernetes_job_create_success_total")).toEqual({ "": 2 });
    expect(series(metrics, "rap_kubernetes_job_create_errors_total")).toEqual({ "": 0 });
    expect(series(metrics, "rap_kubernetes_job_adopted_total")).toEqual({ "": 0 });
    expect(series(metrics, "rap_kubernetes_job_failures_total")).toEqual({});
    const requests = series(metrics, "rap_kubernetes_api_requests_total");
    expect(requests["resource=jobs,verb=create"]).toBe(2);
    expect(requests["resource=networkpolicies,verb=create"]).toBe(1);
    expect(requests["resource=jobs,verb=watch"]).toBeGreaterThanOrEqual(1);
    expect(requests["resource=pods,verb=watch"]).toBeGreaterThanOrEqual(1);
    // Every informer list is one relist, and nothing else lists jobs or pods.
    const relists = series(metrics, "rap_kubernetes_informer_relists_total");
    expect(relists["resource=jobs"]).toBe(requests["resource=jobs,verb=list"]);
    expect(relists["resource=pods"]).toBe(requests["resource=pods,verb=list"]);
    expect(relists["resource=jobs"]).toBeGreaterThanOrEqual(1);
    expect(series(metrics, "rap_kubernetes_rate_limit_waits_total")).toEqual({ "": 0 });
    const tokens = series(metrics, "rap_kubernetes_rate_limiter_tokens")[""];
    expect(tokens).toBeGreaterThanOrEqual(0);
    expect(tokens).toBeLessThanOrEqual(config.kubernetes!.rate_limit.burst);
    const operations = series(metrics, "rap_executor_operations_total");
    for (const operation of ["prepare", "execute", "finalize", "cleanup"]) {
      expect(operations[`driver=kubernetes,operation=${operation}`]).toBe(2);
    }
    if (process.env.TEST_LOG === "1") console.error(requests, relists);
  });
});
