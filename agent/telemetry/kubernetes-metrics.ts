/**
 * The Kubernetes driver's counters as Prometheus series on the agent's /metrics: API calls by verb
 * and resource, Job creation and adoption, watch restarts, informer relists, rate-limit waits and
 * the limiter's tokens. The driver reports through its KubernetesMetricsSink interface and never
 * imports prom-client.
 */
import { Counter, Gauge, type Registry } from "prom-client";
import type { KubernetesCounterName, KubernetesMetricsSink } from "../../runtime-drivers/index.js";

/** The driver's counter name → the series name (without `_total`, which prom-client keeps) and its labels. */
const SERIES: Readonly<Record<KubernetesCounterName, { name: string; help: string; labels: string[] }>> = {
  k8s_request_total: {
    name: "rap_kubernetes_api_requests_total",
    help: "Requests made to the Kubernetes API, by verb and resource.",
    labels: ["verb", "resource"],
  },
  job_create_calls_total: { name: "rap_kubernetes_job_create_calls_total", help: "Job create calls made.", labels: [] },
  job_create_success_total: {
    name: "rap_kubernetes_job_create_success_total",
    help: "Job create calls that created the Job or found it already there.",
    labels: [],
  },
  job_create_errors_total: { name: "rap_kubernetes_job_create_errors_total", help: "Job create calls that failed.", labels: [] },
  job_adopted_total: {
    name: "rap_kubernetes_job_adopted_total",
    help: "Job creates answered AlreadyExists: an earlier agent's Job adopted, not run again.",
    labels: [],
  },
  jobs_finished_without_pod_total: {
    name: "rap_kubernetes_jobs_finished_without_pod_total",
    help: "Jobs that ended with no pod ever running.",
    labels: [],
  },
  pods_forcefully_deleted_total: {
    name: "rap_kubernetes_pods_forcefully_deleted_total",
    help: "Pods deleted with a grace period of 0 (cancel, a failure given up on).",
    labels: [],
  },
  job_failures_total: {
    name: "rap_kubernetes_job_failures_total",
    help: "Job outcomes mapped from a Kubernetes-level failure, by reason.",
    labels: ["reason"],
  },
  watch_restarts_total: {
    name: "rap_kubernetes_watch_restarts_total",
    help: "Informer watch restarts, by resource and cause (error, gone, silence).",
    labels: ["resource", "cause"],
  },
  informer_relists_total: {
    name: "rap_kubernetes_informer_relists_total",
    help: "Full lists made by the informers (first sync, restarts, resyncs), by resource.",
    labels: ["resource"],
  },
  rate_limit_waits_total: {
    name: "rap_kubernetes_rate_limit_waits_total",
    help: "API calls that waited for a token of the client-side rate limiter.",
    labels: [],
  },
};

export class KubernetesPrometheusMetrics implements KubernetesMetricsSink {
  private readonly counters = new Map<KubernetesCounterName, Counter>();
  private readonly tokens: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    for (const [driverName, spec] of Object.entries(SERIES) as [
      KubernetesCounterName,
      (typeof SERIES)[KubernetesCounterName],
    ][]) {
      this.counters.set(driverName, new Counter({ name: spec.name, help: spec.help, labelNames: spec.labels, registers }));
    }
    this.tokens = new Gauge({
      name: "rap_kubernetes_rate_limiter_tokens",
      help: "Tokens left in the driver's client-side API rate limiter.",
      registers,
    });
  }

  increment(name: KubernetesCounterName, labels: Readonly<Record<string, string>>): void {
    this.counters.get(name)?.inc(labels);
  }

  limiterTokens(available: number): void {
    this.tokens.set(available);
  }
}

/**
 * Stands in for the Prometheus sink while the executor is built before the agent's metrics exist;
 * forwards once attached (the driver makes no API call before the agent runs).
 */
export class KubernetesMetricsRelay implements KubernetesMetricsSink {
  private target: KubernetesMetricsSink | undefined;

  attach(target: KubernetesMetricsSink | undefined): void {
    this.target = target;
  }

  increment(name: KubernetesCounterName, labels: Readonly<Record<string, string>>): void {
    this.target?.increment(name, labels);
  }

  limiterTokens(available: number): void {
    this.target?.limiterTokens(available);
  }
}
