/**
 * The agent's Prometheus metrics, in a registry of its own: stream state and reconnects, outbox
 * depth, tasks in hand, and every executor operation with its duration and errors by driver. For
 * the Kubernetes driver, its own counters (see kubernetes-metrics.ts), registered up front so they read 0.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { KubernetesPrometheusMetrics } from "./kubernetes-metrics.js";

/** What the scrape-time gauges read from the running agent. */
export interface AgentMetricsSource {
  connected(): boolean;
  outboxDepth(): number;
  tasksInFlight(): number;
}

const OPERATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export class AgentMetrics {
  readonly registry = new Registry();
  private readonly reconnects: Counter;
  private readonly operations: Counter;
  private readonly errors: Counter;
  private readonly durations: Histogram;
  /** The Kubernetes driver's series, when that is the driver (the executor reports to it). */
  readonly kubernetes: KubernetesPrometheusMetrics | undefined;
  private everConnected = false;

  constructor(
    readonly labels: { readonly backend: string; readonly driver: string; readonly agentId: string; readonly version: string },
    source: AgentMetricsSource,
    options: { defaultMetrics?: boolean } = {},
  ) {
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: "rap_agent_" });
    new Gauge({
      name: "rap_agent_info",
      help: "Constant 1, labelled with the agent's backend, id, driver and version.",
      labelNames: ["backend", "agent_id", "driver", "version"],
      registers,
    }).set({ backend: labels.backend, agent_id: labels.agentId, driver: labels.driver, version: labels.version }, 1);
    new Gauge({
      name: "rap_agent_connected",
      help: "1 while the agent holds its stream to the controller, else 0.",
      registers,
      collect() {
        this.set(source.connected() ? 1 : 0);
      },
    });
    this.reconnects = new Counter({
      name: "rap_agent_stream_reconnects_total",
      help: "Times the agent's stream to the controller was established again after a first connection.",
      registers,
    });
    new Gauge({
      name: "rap_agent_outbox_depth",
      help: "Task updates in the durable outbox not yet acknowledged by the controller.",
      registers,
      collect() {
        this.set(source.outboxDepth());
      },
    });
    new Gauge({
      name: "rap_agent_tasks_in_flight",
      help: "Tasks the agent is working on right now.",
      registers,
      collect() {
        this.set(source.tasksInFlight());
      },
    });
    this.operations = new Counter({
      name: "rap_executor_operations_total",
      help: "Executor operations run, by driver and operation.",
      labelNames: ["driver", "operation"],
      registers,
    });
    this.errors = new Counter({
      name: "rap_executor_errors_total",
      help: "Executor operations that failed (threw), by driver and operation.",
      labelNames: ["driver", "operation"],
      registers,
    });
    this.durations = new Histogram({
      name: "rap_executor_operation_duration_seconds",
      help: "Time executor operations took, by driver and operation.",
      labelNames: ["driver", "operation"],
      buckets: OPERATION_BUCKETS,
      registers,
    });
    this.kubernetes = labels.driver === "kubernetes" ? new KubernetesPrometheusMetrics(this.registry) : undefined;
  }

  /** The stream came up (true) or went down (false). */
  streamState(connected: boolean): void {
    if (!connected) return;
    if (this.everConnected) this.reconnects.inc();
    this.everConnected = true;
  }

  operation(operation: string, seconds: number, failed: boolean): void {
    const labels = { driver: this.labels.driver, operation };
    this.operations.inc(labels);
    this.durations.observe(labels, seconds);
    if (failed) this.errors.inc(labels);
  }

  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
