/** The only place that knows the concrete drivers: config -> Executor (and the database-task runner). */
import {
  ClientNodeApi,
  ContainerCliExecutor,
  createCommandRunner,
  KubernetesCounters,
  KubernetesExecutor,
  readStudyActionNames,
  type Executor,
  type KubernetesMetricsSink,
} from "../runtime-drivers/index.js";
import type { AgentConfig } from "./config.js";
import { addHostArgs, type HostResolver } from "./database-host.js";
import { databaseEnv } from "./database-secrets.js";
import type { DatabaseTaskRunner } from "./database-task.js";
import type { Logger } from "./logger.js";

export interface ExecutorExtras {
  /** Where the Kubernetes driver's counters go (Prometheus, when the agent exposes metrics). */
  readonly kubernetesMetrics?: KubernetesMetricsSink | undefined;
  /** How the database host is resolved for `--add-host` (default: the system's resolver). */
  readonly resolveHost?: HostResolver | undefined;
}

function checkoutOptions(config: AgentConfig, runner: ReturnType<typeof createCommandRunner>) {
  return {
    reposDir: config.storage.reposDir,
    githubProxyDomain: config.githubProxyDomain,
    accessToken: config.privateRepoAccessToken,
    tokenUser: `jobrunner-${config.backend}`,
    runner,
  };
}

function createKubernetesExecutor(config: AgentConfig, log: Logger, extras: ExecutorExtras): KubernetesExecutor {
  const k8s = config.kubernetes;
  if (!k8s) throw new Error("driver kubernetes needs its kubernetes: section");
  const runner = createCommandRunner({
    baseEnv: config.childEnv,
    debug: config.driver.debug,
    log: log.child({ component: "git" }),
  });
  const counters = new KubernetesCounters(extras.kubernetesMetrics);
  const [uid = 10000, gid = 10000] = k8s.job_user.split(":").map(Number);
  const api = new ClientNodeApi({
    namespace: k8s.namespace,
    kubeconfig: k8s.kubeconfig,
    server: k8s.server,
    qps: k8s.rate_limit.qps,
    burst: k8s.rate_limit.burst,
    counters,
  });
  const rootAgent = (process.getuid?.() ?? 0) === 0;
  const checkout = checkoutOptions(config, runner);
  return new KubernetesExecutor({
    api,
    counters,
    backend: config.backend,
    layout: config.storage,
    checkout,
    readStudyActions: (job, signal) => readStudyActionNames(job, checkout, signal),
    jobVolumesClaim: k8s.job_volumes_claim,
    user: { uid, gid },
    // A root agent hands prepared volumes to the job user; a non-root agent must share its uid with jobs.
    volumeOwner: rootAgent ? { uid, gid } : undefined,
    imageMap: config.driver.imageMap,
    entrypoints: k8s.entrypoints,
    nodeSelector: k8s.node_selector,
    tolerations: k8s.tolerations.map(({ toleration_seconds, ...rest }) => ({
      ...rest,
      ...(toleration_seconds !== undefined ? { tolerationSeconds: toleration_seconds } : {}),
    })),
    imagePullSecrets: k8s.image_pull_secrets,
    deadlines: {
      activeDeadlineSeconds: k8s.deadlines.active_deadline_seconds,
      ttlSecondsAfterFinishedSeconds: k8s.deadlines.ttl_seconds_after_finished,
      imagePullGraceSeconds: k8s.deadlines.image_pull_grace_seconds,
      pendingTimeoutSeconds: k8s.deadlines.pending_timeout_seconds,
      podStopTimeoutSeconds: k8s.deadlines.pod_stop_timeout_seconds,
    },
    watch: {
      silenceSeconds: k8s.watch.silence_seconds,
      resyncSeconds: k8s.watch.resync_seconds,
      maxBackoffMs: k8s.watch.max_backoff_ms,
    },
    database: config.dummyDataBackend ? undefined : { secretName: k8s.database.secret_name, egress: k8s.database.egress },
    log: log.child({ component: "kubernetes" }),
  });
}

export function createExecutor(config: AgentConfig, log: Logger, extras: ExecutorExtras = {}): Executor {
  if (config.driver.kind === "kubernetes") return createKubernetesExecutor(config, log, extras);
  const runner = createCommandRunner({
    baseEnv: config.childEnv,
    debug: config.driver.debug,
    log: log.child({ component: "runtime" }),
  });
  const checkout = checkoutOptions(config, runner);
  return new ContainerCliExecutor({
    binary: config.driver.binary,
    runner,
    layout: config.storage,
    checkout,
    readStudyActions: (job, signal) => readStudyActionNames(job, checkout, signal),
    user: config.driver.user,
    volumeOwner: config.driver.volumeOwner,
    imageMap: config.driver.imageMap,
    pullMissingImages: config.driver.pullMissingImages,
    pullTimeoutMs: config.driver.pullTimeoutMs,
    databaseNetwork: config.dummyDataBackend
      ? undefined
      : { name: config.driver.databaseNetwork, extraArgs: ["--dns", "192.0.2.0"] },
    extraEnv: (job) => databaseEnv(config, job),
    databaseHostArgs: (databaseUrl) =>
      addHostArgs(databaseUrl, extras.resolveHost, (host, error) =>
        log.warn("database host not resolved; the container gets no --add-host for it", { host, error: String(error) }),
      ),
    pidsLimit: config.driver.pidsLimit,
    log,
  });
}

/**
 * DBSTATUS / DBDATACHECK through the executor: each driver runs the check in its own runtime
 * (a container on the database network, or a Kubernetes Job with the database secret).
 */
export function createDatabaseTaskRunner(config: AgentConfig, executor: Executor): DatabaseTaskRunner {
  return async (request, signal) => {
    // Container drivers take the URL from the agent's config; on Kubernetes it lives in a Secret.
    const databaseUrl = config.dummyDataBackend ? undefined : config.databaseUrls[request.databaseName];
    if (!config.dummyDataBackend && databaseUrl === undefined && config.driver.kind !== "kubernetes") {
      return {
        results: null,
        error: {
          type: "ValueError",
          message: `Database name '${request.databaseName}' is not currently defined for backend '${config.backend}'`,
        },
      };
    }
    return executor.runDatabaseCheck(
      {
        kind: request.kind,
        image: request.image,
        args: request.args,
        hesExpectedActivityMonth: request.hesExpectedActivityMonth,
        databaseName: request.databaseName,
        databaseUrl,
        dummyData: config.dummyDataBackend,
      },
      signal,
    );
  };
}
