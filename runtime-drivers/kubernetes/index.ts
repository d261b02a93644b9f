/** The Kubernetes driver's public surface. */
export { KubernetesExecutor, KubernetesExecutorError } from "./executor.js";
export { ClientNodeApi, type ClientNodeApiOptions } from "./client-node-api.js";
export {
  KubernetesCounters,
  type KubernetesCounterName,
  type KubernetesMetricsSink,
  type CounterLabels,
} from "./driver-metrics.js";
export type { KubeApi, KubeObject } from "./kube-api.js";
export type { KubernetesDriverOptions, DatabaseEgress, Toleration } from "./options.js";
export { buildJobManifest, buildDenyAllPolicy, buildDatabaseEgressPolicy, WRAPPER_SCRIPT } from "./manifests.js";
export { jobName, scopeSelector, MANAGED_BY_LABEL, JOB_ID_LABEL, TASK_ID_LABEL, BACKEND_LABEL } from "./names.js";
