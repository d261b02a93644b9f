/**
 * The agent's metrics assembled: the registry, the instrumented executor, the agent's state feed, the job
 * spans (when a tracer provider is given) and the /metrics server (when configured). runAgent and the tests build an agent through this.
 */
import type { TracerProvider } from "@opentelemetry/api";
import type { Executor } from "../../runtime-drivers/index.js";
import { Agent } from "../agent.js";
import type { AgentConfig } from "../config.js";
import { createExecutor } from "../executor-factory.js";
import type { Logger } from "../logger.js";
import { AgentMetrics } from "./agent-metrics.js";
import { AgentTracing } from "./agent-tracing.js";
import { instrumentExecutor } from "./instrument-executor.js";
import { KubernetesMetricsRelay } from "./kubernetes-metrics.js";
import { serveAgentMetrics, type MetricsServer } from "./metrics-server.js";

export interface ObservedAgent {
  readonly agent: Agent;
  readonly executor: Executor;
  readonly metrics: AgentMetrics;
  /** The /metrics server, when the config asks for one. */
  readonly server: MetricsServer | undefined;
}

export async function observedAgent(
  config: AgentConfig,
  driverExecutor: Executor,
  log: Logger,
  tracerProvider?: TracerProvider,
): Promise<ObservedAgent> {
  const holder: { agent?: Agent } = {};
  const metrics = new AgentMetrics(
    { backend: config.backend, driver: driverExecutor.driver, agentId: config.agentId, version: config.version },
    {
      connected: () => holder.agent?.currentState === "connected",
      outboxDepth: () => {
        try {
          return holder.agent?.outbox.depth() ?? 0;
        } catch {
          return 0; // the outbox is closed: the agent has stopped
        }
      },
      tasksInFlight: () => holder.agent?.inFlight().length ?? 0,
    },
  );
  const tracing = tracerProvider ? new AgentTracing(tracerProvider, config.backend) : undefined;
  const executor = instrumentExecutor(
    driverExecutor,
    (operation, seconds, failed) => metrics.operation(operation, seconds, failed),
    tracing ? (operation, jobId, run) => tracing.step(operation, jobId, run) : undefined,
  );
  const agent = new Agent(config, executor, log);
  holder.agent = agent;
  agent.onStateChange = (state) => metrics.streamState(state === "connected");
  if (tracing) {
    agent.onJobTask = (task, job) =>
      tracing.jobTask(task, job, task.definition.case === "job" ? task.definition.value.traceContext : {});
  }
  const server = config.metrics
    ? await serveAgentMetrics(metrics, config.metrics.host, config.metrics.port, {
        readiness: () => agent.readiness(),
        version: config.version,
      })
    : undefined;
  if (server) log.info("agent metrics listening", { host: config.metrics?.host, port: server.port });
  return { agent, executor, metrics, server };
}

/**
 * The configured driver's executor and the observed agent around it, with the driver's own
 * counters (Kubernetes) reporting to the agent's /metrics.
 */
export async function createObservedAgent(
  config: AgentConfig,
  log: Logger,
  tracerProvider?: TracerProvider,
): Promise<ObservedAgent> {
  const kubernetesMetrics = new KubernetesMetricsRelay();
  const observed = await observedAgent(config, createExecutor(config, log, { kubernetesMetrics }), log, tracerProvider);
  kubernetesMetrics.attach(observed.metrics.kubernetes);
  return observed;
}
