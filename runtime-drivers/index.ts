/**
 * The public surface of runtime-drivers: the executor interface and its types, the container-CLI
 * driver (docker, podman), the command runner and the pure job-file pieces agents use directly.
 * This folder imports nothing from the rest of the project.
 */
export type {
  DatabaseCheckRequest,
  DriverMetrics,
  DatabaseCheckResults,
  ExecSession,
  ExecTerminal,
  Executor,
  ExecutorFailure,
  ExecutorState,
  FinalizeOptions,
  JobDefinition,
  JobStatus,
  Logger,
  OutputPrivacy,
  StorageLayout,
} from "./types.js";
export { ContainerCliExecutor, ExecutorError, type ContainerCliOptions } from "./container-cli/executor.js";
export { createCommandRunner, CommandError, type CommandRunner, type CommandResult } from "./exec.js";
export { CheckoutError, resolveBranchCommit, type CheckoutOptions } from "./checkout.js";
export { readProjectActionNames, readStudyActionNames } from "./study-actions.js";
export { PrepareError } from "./prepare-volume.js";
export { redactResultsForController } from "./job-files/index.js";
export { runDatabaseStatus, type DatabaseTaskKind, type DatabaseTaskResults, type DatabaseTaskSpec } from "./database-status.js";
export { mapImage } from "./image-map.js";
export {
  ClientNodeApi,
  KubernetesCounters,
  KubernetesExecutor,
  KubernetesExecutorError,
  type KubernetesDriverOptions,
  type KubernetesCounterName,
  type KubernetesMetricsSink,
} from "./kubernetes/index.js";
