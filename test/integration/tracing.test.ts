/**
 * A job's trace as upstream shapes it, end to end: a real controller and a real agent (docker
 * driver, real containers) export to a local OTLP receiver — the controller over http/protobuf, the
 * agent over http/json, both configured by the standard OTEL_* variables — and the test asserts the
 * span tree of a job: the JOB root with the ids stored in the job's trace_context, one span per
 * status code left (contiguous in time), the final marker, and the agent's task and executor-step
 * spans in the same trace.
 */
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { createExecutor } from "../../agent/executor-factory.js";
import { createAgentLogger } from "../../agent/logger.js";
import { observedAgent } from "../../agent/telemetry/agent-telemetry.js";
import { agentTracing, controllerTracing } from "../../cli/tracing.js";
import { agentConfig } from "../support/agent-harness.js";
import { createBody, rest, startController } from "../support/controller-harness.js";
import { startOtlpReceiver, type ReceivedSpan } from "../support/otlp-receiver.js";
import { createStudyRepo, TWO_ACTION_STUDY } from "../support/study-repo.js";
import { waitFor } from "../support/wait-for.js";

const RAP_ID = randomBytes(8).toString("hex");

interface ApiJob {
  identifier: string;
  action: string;
  status: string;
  created_at: string;
  trace_context: { traceparent: string };
}

describe("job traces", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it("exports upstream's span tree for each job, with the agent's spans joined to it", async () => {
    const receiver = await startOtlpReceiver();
    cleanups.push(() => receiver.close());
    const controllerTraces = controllerTracing(
      { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf" },
      { version: "9.9.9" },
    )!;
    const controller = await startController({
      env: { MAINTENANCE_ENABLED_BACKENDS: "", DATA_CHECK_ENABLED_BACKENDS: "" },
      tracing: controllerTraces,
    });
    cleanups.push(() => controller.dispose());
    const config = agentConfig(controller.url);
    const agentTraces = agentTracing(
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" },
      config,
    )!;
    const log = createAgentLogger("error");
    const observed = await observedAgent(config, createExecutor(config, log), log, agentTraces.provider);
    const stop = new AbortController();
    const running = observed.agent.run(stop.signal).finally(() => observed.agent.close());
    const stopAgent = async () => {
      await waitFor(() => observed.agent.inFlight().length === 0, { timeoutMs: 15_000, message: "tasks to finish" });
      stop.abort();
      await running.catch(() => undefined);
    };
    cleanups.push(stopAgent);

    const study = createStudyRepo(TWO_ACTION_STUDY);
    await rest(
      controller,
      "POST",
      "/controller/v1/rap/create/",
      createBody({ rap_id: RAP_ID, repo_url: study.path, commit: study.commit }),
    );
    const jobs = await waitFor(
      async () => {
        const response = await rest(controller, "POST", "/controller/v1/rap/status/", { rap_ids: [RAP_ID] });
        const found = (response.json as { jobs: ApiJob[] }).jobs;
        return found.length === 2 && found.every((job) => job.status === "succeeded") ? found : undefined;
      },
      { timeoutMs: 60_000, message: "both jobs to succeed" },
    );
    // Every span is sent once the services flush on shutdown.
    await stopAgent();
    await Promise.all([controllerTraces.shutdown(), agentTraces.shutdown()]);
    expect([...receiver.contentTypes].sort()).toEqual(["application/json", "application/x-protobuf"]);

    for (const job of jobs) {
      const [, traceId, rootSpanId] = job.trace_context.traceparent.split("-");
      const spans = receiver.spans.filter((span) => span.traceId === traceId);
      const byName = (name: string) => spans.filter((span) => span.name === name);

      // The root: JOB, sent at the end with the ids made at creation, from creation (less 1 µs) to the final status.
      const [root] = byName("JOB");
      expect(byName("JOB")).toHaveLength(1);
      expect(root).toMatchObject({ spanId: rootSpanId, parentSpanId: "", statusCode: 0 });
      expect(root!.resource).toMatchObject({
        "service.name": "rap-controller",
        "rap.service": "controller",
        "service.version": "9.9.9",
      });
      const createdNs = BigInt(Date.parse(job.created_at)) * 1_000_000n;
      expect(root!.startNs).toBe(createdNs - 1000n);

      // One span per status code left, children of the root, each ending where the next begins.
      const statuses = spans
        .filter((span) => span.resource["rap.service"] === "controller" && span.name !== "JOB")
        .sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0));
      const names = statuses.map((span) => span.name);
      expect(names[0]).toBe("CREATED");
      expect(names.at(-1)).toBe("SUCCEEDED");
      expect(names).toContain("EXECUTING");
      expect(new Set(names).size).toBe(names.length);
      for (const span of statuses) expect(span.parentSpanId).toBe(rootSpanId);
      for (let i = 1; i < statuses.length; i++) expect(statuses[i]!.startNs).toBe(statuses[i - 1]!.endNs);
      const final = statuses.at(-1)!;
      expect(final.endNs - final.startNs).toBe(1_000_000_000n);
      expect(root!.endNs).toBe(final.startNs);
      expect(final.attributes["job.succeeded"]).toBe(true);
      for (const span of [root!, ...statuses]) {
        expect(span.attributes).toMatchObject({
          "rap.backend": "test",
          "job.backend": "test",
          "job.id": job.identifier,
          "job.request": RAP_ID,
          "job.workspace": "workspace",
          "job.action": job.action,
          "job.user": "testuser",
          "job.project": "project",
          "job.orgs": "org",
          "job.requires_db": false,
        });
      }

      // The agent's spans joined the trace: RUNJOB under the root, the executor steps under RUNJOB.
      const agentSpans = spans.filter((span) => span.resource["rap.service"] === "agent");
      const [task] = agentSpans.filter((span) => span.name === "RUNJOB");
      expect(task).toMatchObject({ parentSpanId: rootSpanId, contentType: "application/json" });
      expect(task!.resource).toMatchObject({ "service.name": "rap-agent", "rap.backend": "test" });
      expect(task!.attributes).toMatchObject({
        "job.id": job.identifier,
        "task.id": `${job.identifier}-001`,
        "task.type": "RUNJOB",
      });
      const steps = agentSpans.filter((span: ReceivedSpan) => span.parentSpanId === task!.spanId).map((span) => span.name);
      for (const step of ["prepare", "execute", "wait_for_exit", "finalize", "cleanup"]) expect(steps).toContain(step);
      expect(agentSpans.every((span) => span.name === "RUNJOB" || span.parentSpanId === task!.spanId)).toBe(true);
    }
  });
});
