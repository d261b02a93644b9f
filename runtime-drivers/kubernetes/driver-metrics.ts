/**
 * The driver's own counters, named after the ones agent-stack-k8s and Argo expose, kept behind a
 * small interface so the agent can wire them to Prometheus (or anything else) without this folder
 * importing a metrics library. Every count is also kept in memory for tests and benchmarks.
 */

export type KubernetesCounterName =
  /** Every API request, by verb and resource (Argo's k8s_request_total). */
  | "k8s_request_total"
  /** Job creations attempted / created / failed (agent-stack-k8s's scheduler_job_create_*). */
  | "job_create_calls_total"
  | "job_create_success_total"
  | "job_create_errors_total"
  /** A create answered AlreadyExists: an existing Job adopted instead of a second run. */
  | "job_adopted_total"
  /** A Job that ended without its pod ever running (agent-stack-k8s's finished_without_pod). */
  | "jobs_finished_without_pod_total"
  /** Pods deleted with grace 0 because their kubelet had not stopped them after a graceful delete. */
  | "pods_forcefully_deleted_total"
  /** Job outcomes the driver mapped from a Kubernetes failure, by reason. */
  | "job_failures_total"
  /** Informer restarts, by resource and cause (error, gone, silence). */
  | "watch_restarts_total"
  /** Full lists an informer made (its first sync, and every one after a restart or resync), by resource. */
  | "informer_relists_total"
  /** API calls that had to wait for a token of the client-side rate limiter. */
  | "rate_limit_waits_total";

export type CounterLabels = Readonly<Record<string, string>>;

/** What the driver reports to; the agent may pass one backed by prom-client. */
export interface KubernetesMetricsSink {
  increment(name: KubernetesCounterName, labels: CounterLabels): void;
  /** Tokens left in the client-side rate limiter (agent-stack-k8s's limiter_tokens_available). */
  limiterTokens(available: number): void;
}

function key(name: string, labels: CounterLabels): string {
  const parts = Object.keys(labels)
    .sort()
    .map((label) => `${label}=${labels[label] ?? ""}`);
  return parts.length > 0 ? `${name}{${parts.join(",")}}` : name;
}

/** In-memory counters that also forward to an optional sink. */
export class KubernetesCounters implements KubernetesMetricsSink {
  private readonly counts = new Map<string, number>();
  private tokens = 0;

  constructor(private readonly forward?: KubernetesMetricsSink) {}

  increment(name: KubernetesCounterName, labels: CounterLabels = {}): void {
    const id = key(name, labels);
    this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
    this.forward?.increment(name, labels);
  }

  limiterTokens(available: number): void {
    this.tokens = available;
    this.forward?.limiterTokens(available);
  }

  /** Sum of a counter over all label sets, or of the one label set given. */
  total(name: KubernetesCounterName, labels?: CounterLabels): number {
    if (labels) return this.counts.get(key(name, labels)) ?? 0;
    let sum = 0;
    for (const [id, value] of this.counts) if (id === name || id.startsWith(`${name}{`)) sum += value;
    return sum;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)));
  }

  get limiterTokensAvailable(): number {
    return this.tokens;
  }
}
