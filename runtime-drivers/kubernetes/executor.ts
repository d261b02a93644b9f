/**
 * The Kubernetes executor: one `batch/v1` Job per task, watched through label-scoped informers.
 * Its volumes are sub-paths of one ReadWriteMany claim that the agent mounts at `volumesDir`, so
 * prepare and finalize are the very same file code as on docker. All state comes from the cluster
 * and the volumes: the prepared marker, the job's start marker, log and exit code on the job volume,
 * and a record of any Kubernetes-level failure in the agent's own temp dir, so an agent killed at
 * any point finds every job where it was and never runs one twice.
 */
import { existsSync } from "node:fs";
import { chown, mkdir, readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import {
  finalizeJobFiles,
  readJobMetadata,
  readJobMetadataById,
  TIMESTAMP_REFERENCE_FILE,
  writeFileAtomic,
  type ContainerFacts,
} from "../job-files/index.js";
import { mapImage, withDigest } from "../image-map.js";
import { MetricsStore } from "../job-metrics.js";
import { assertNotArchived, prepareVolume } from "../prepare-volume.js";
import type {
  DatabaseCheckRequest,
  DatabaseCheckResults,
  ExecSession,
  ExecTerminal,
  Executor,
  FinalizeOptions,
  JobDefinition,
  JobStatus,
} from "../types.js";
import { runKubernetesDatabaseCheck } from "./database-check.js";
import { Informer } from "./informer.js";
import { KubeApiError, type KubeObject } from "./kube-api.js";
import {
  buildDatabaseEgressPolicy,
  buildDenyAllPolicy,
  buildJobManifest,
  EXIT_CODE_FILE_NAME,
  JOB_CONTAINER,
  JOB_STOP_GRACE_SECONDS,
  LOG_FILE_NAME,
  STARTED_FILE_NAME,
} from "./manifests.js";
import {
  JOB_ID_LABEL,
  JOB_NAME_LABEL,
  TASK_ID_ANNOTATION,
  jobName,
  jobStateRootSubPath,
  labelValue,
  runTaskId,
  scopeSelector,
  taskStateSubPath,
} from "./names.js";
import type { KubernetesDriverOptions } from "./options.js";
import { followLogFile } from "./log-follower.js";
import { currentPod, formatEvents, nextDeadlineMs, observe, type Failure, type Observation } from "./pod-outcome.js";
import { memoryLimitQuantity, parseMemoryQuantity } from "./quantities.js";

export class KubernetesExecutorError extends Error {
  override readonly name = "KubernetesError";
}

/** What the agent recorded when it saw a task end (or gave up on it), kept across restarts. */
interface RecordedOutcome {
  readonly finishedAtNs: string;
  /** Set when a container ran and exited (or was killed) with this code. */
  readonly exitCode?: number;
  readonly oomKilled?: boolean;
  readonly imageId?: string;
  readonly failure?: Failure;
  readonly podName?: string;
  readonly pod?: Record<string, unknown>;
}

const nowNsDefault = (): bigint => BigInt(Date.now()) * 1_000_000n;

/** When an object was created, in ms (0 when unknown), to order a job's attempts. */
async function isFile(file: string): Promise<boolean> {
  return stat(file).then(
    (found) => found.isFile(),
    () => false,
  );
}

function createdMs(object: KubeObject): number {
  const parsed = Date.parse(object.metadata?.creationTimestamp ?? "");
  return Number.isFinite(parsed) ? parsed : 0;
}

function isoToNs(iso: string | undefined, fallback: bigint): bigint {
  const parsed = iso ? Date.parse(iso) : Number.NaN;
  return Number.isFinite(parsed) ? BigInt(parsed) * 1_000_000n : fallback;
}

export class KubernetesExecutor implements Executor {
  readonly driver = "kubernetes";
  private readonly nowNs: () => bigint;
  private readonly metrics: MetricsStore;
  private readonly jobs: Informer;
  private readonly pods: Informer;
  private readonly stopInformers = new AbortController();
  private informersRunning: Promise<void> | undefined;
  private namespaceReady: Promise<void> | undefined;

  constructor(private readonly options: KubernetesDriverOptions) {
    this.nowNs = options.nowNs ?? nowNsDefault;
    this.metrics = new MetricsStore(path.join(options.layout.tempDir, "metrics"));
    const selector = scopeSelector(options.backend);
    const log = options.log;
    this.jobs = new Informer(options.api, "jobs", selector, options.watch, options.counters, log);
    this.pods = new Informer(options.api, "pods", selector, options.watch, options.counters, log);
  }

  // ---- paths -------------------------------------------------------------------------------

  private volumeDir(job: Pick<JobDefinition, "id">): string {
    return path.join(this.options.layout.volumesDir, job.id);
  }

  private stateDir(job: Pick<JobDefinition, "id" | "taskId">): string {
    return path.join(this.options.layout.volumesDir, taskStateSubPath(job.id, job.taskId));
  }

  private outcomeFile(job: Pick<JobDefinition, "id" | "taskId">): string {
    return path.join(this.options.layout.tempDir, "kubernetes", job.id, `${jobName(job.id, job.taskId)}.json`);
  }

  // ---- informers ---------------------------------------------------------------------------

  /** Starts the Job and Pod informers once and waits for their first list. */
  private async informers(signal: AbortSignal): Promise<void> {
    if (!this.informersRunning) {
      const stop = this.stopInformers.signal;
      this.informersRunning = Promise.all([this.jobs.run(stop), this.pods.run(stop)]).then(() => undefined);
    }
    await Promise.all([this.jobs.whenSynced(signal), this.pods.whenSynced(signal)]);
  }

  /** Stops the informers (their watch connections) and waits for them to end. */
  async close(): Promise<void> {
    this.stopInformers.abort();
    await this.informersRunning;
  }

  private podsOf(name: string): KubeObject[] {
    return this.pods.values().filter((pod) => pod.metadata?.labels?.[JOB_NAME_LABEL] === name);
  }

  /**
   * This task's Job: from the cache, or (when the cache says none, which may only mean the watch
   * has not caught up with a create) from the API, so absence is never concluded from a lagging cache.
   */
  private async findJob(job: JobDefinition, signal: AbortSignal): Promise<KubeObject | undefined> {
    await this.informers(signal);
    const name = jobName(job.id, job.taskId);
    const cached = this.jobs.get(name);
    if (cached) return cached;
    const fetched = await this.options.api.get("jobs", name, signal);
    if (fetched) this.jobs.observe(fetched);
    return fetched;
  }

  // ---- status ------------------------------------------------------------------------------

  private status(state: JobStatus["state"], timestampNs?: bigint, results: Record<string, unknown> = {}): JobStatus {
    return { state, timestampNs: timestampNs ?? this.nowNs(), results };
  }

  private async finishedStatus(job: JobDefinition): Promise<JobStatus | undefined> {
    const metadata = await readJobMetadata(this.options.layout, job);
    if (Object.keys(metadata).length === 0) return undefined;
    const timestamp =
      typeof metadata.timestamp_ns === "number" || typeof metadata.timestamp_ns === "string"
        ? BigInt(metadata.timestamp_ns)
        : undefined;
    return this.status(metadata.error ? "error" : "finalized", timestamp, metadata);
  }

  private async recordedOutcome(job: JobDefinition): Promise<RecordedOutcome | undefined> {
    try {
      return JSON.parse(await readFile(this.outcomeFile(job), "utf8")) as RecordedOutcome;
    } catch {
      return undefined;
    }
  }

  private async record(job: JobDefinition, outcome: RecordedOutcome): Promise<void> {
    const file = this.outcomeFile(job);
    if (existsSync(file)) return;
    await mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, JSON.stringify(outcome));
    if (outcome.failure) {
      this.options.counters.increment("job_failures_total", { reason: outcome.failure.reason });
      this.options.log.warn("kubernetes job failed", {
        job: job.id,
        reason: outcome.failure.reason,
        message: outcome.failure.message,
      });
    }
  }

  private async preparedStatus(job: JobDefinition, cancelled: boolean): Promise<JobStatus> {
    const volume = this.volumeDir(job);
    if (cancelled) return this.status(existsSync(volume) ? "prepared" : "unknown");
    const marker = path.join(volume, TIMESTAMP_REFERENCE_FILE);
    const found = await stat(marker).catch(() => undefined);
    if (!found) return this.status("unknown");
    const text = (await readFile(marker, "utf8")).trim();
    return this.status("prepared", /^\d+$/.test(text) ? BigInt(text) : BigInt(Math.round(found.ctimeMs)) * 1_000_000n);
  }

  async getStatus(job: JobDefinition, options: { readonly cancelled?: boolean }, signal: AbortSignal): Promise<JobStatus> {
    const finished = await this.finishedStatus(job);
    if (finished) return finished;
    const cancelled = options.cancelled ?? false;
    // No Job is ever created before the prepared marker exists, so without it no API call is needed.
    if (!existsSync(path.join(this.volumeDir(job), TIMESTAMP_REFERENCE_FILE))) return this.preparedStatus(job, cancelled);
    const recorded = await this.recordedOutcome(job);
    if (recorded) return this.status("executed", BigInt(recorded.finishedAtNs));
    const k8sJob = await this.findJob(job, signal);
    const observation = observe(
      k8sJob,
      k8sJob ? this.podsOf(jobName(job.id, job.taskId)) : [],
      Date.now(),
      this.options.deadlines,
    );
    return this.statusFromObservation(job, observation, cancelled, signal);
  }

  private async statusFromObservation(
    job: JobDefinition,
    observation: Observation,
    cancelled: boolean,
    signal: AbortSignal,
  ): Promise<JobStatus> {
    switch (observation.kind) {
      case "absent": {
        const state = this.stateDir(job);
        const exitCode = await readFile(path.join(state, EXIT_CODE_FILE_NAME), "utf8").catch(() => undefined);
        if (exitCode !== undefined && /^-?\d+\s*$/.test(exitCode)) {
          // The Job is gone (reaped by its TTL while no agent watched) but the job left its exit code.
          await this.record(job, { finishedAtNs: this.nowNs().toString(), exitCode: Number(exitCode.trim()), oomKilled: false });
          return this.status("executed");
        }
        if (existsSync(path.join(state, STARTED_FILE_NAME))) {
          await this.record(job, {
            finishedAtNs: this.nowNs().toString(),
            failure: {
              kind: "executor",
              reason: "PodVanished",
              message: "The job's Job and pod disappeared before the job finished (deleted from outside the agent)",
            },
          });
          return this.status("executed");
        }
        return this.preparedStatus(job, cancelled);
      }
      case "pending":
        return this.status("executing");
      case "running":
        return this.status("executing", isoToNs(observation.startedAt, this.nowNs()));
      case "terminated": {
        const terminated = observation.terminated;
        const finishedAtNs = isoToNs(terminated.finishedAt, this.nowNs());
        await this.record(job, {
          finishedAtNs: finishedAtNs.toString(),
          exitCode: terminated.exitCode,
          oomKilled: terminated.reason === "OOMKilled",
          imageId: observation.imageId,
          podName: observation.podName,
          pod: { ...terminated, podName: observation.podName, podUid: observation.podUid },
        });
        return this.status("executed", finishedAtNs);
      }
      case "failed": {
        let failure = observation.failure;
        if (failure.withEvents && observation.podName) {
          const events = await this.options.api
            .list("events", { fieldSelector: `involvedObject.name=${observation.podName}` }, signal)
            .catch(() => ({ items: [] }));
          failure = { ...failure, message: `${failure.message}${formatEvents(events.items)}` };
        }
        if (failure.reason === "FinishedWithoutPod") this.options.counters.increment("jobs_finished_without_pod_total", {});
        await this.record(job, {
          finishedAtNs: this.nowNs().toString(),
          failure,
          ...(observation.podName ? { podName: observation.podName } : {}),
        });
        // A pod that cannot start would sit there: stop it now rather than at cleanup.
        await this.deleteTaskJob(job, signal);
        return this.status("executed");
      }
    }
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  resolveImage(image: string): string {
    return mapImage(image, this.options.imageMap ?? {});
  }

  private entrypoint(image: string): readonly string[] {
    const untagged = image.replace(/:[^/:@]+$/, "").replace(/@sha256:[0-9a-f]+$/, "");
    const found = this.options.entrypoints[image] ?? this.options.entrypoints[untagged] ?? this.options.entrypoints.default;
    if (!found) {
      throw new KubernetesExecutorError(
        `no entrypoint is configured for image ${image}: add it (or a default) to kubernetes.entrypoints in the agent config`,
      );
    }
    return found;
  }

  async prepare(job: JobDefinition, signal: AbortSignal): Promise<JobStatus> {
    assertNotArchived(this.options.layout, job.workspace);
    this.entrypoint(this.resolveImage(job.image));
    const current = await this.getStatus(job, {}, signal);
    if (current.state !== "unknown") return current;
    await prepareVolume(
      job,
      {
        layout: this.options.layout,
        volumeDir: this.volumeDir(job),
        checkout: this.options.checkout,
        owner: this.options.volumeOwner,
        nowNs: this.nowNs,
      },
      signal,
    );
    return this.preparedStatus(job, false);
  }

  /** The NetworkPolicies every job relies on; created once per agent, adopted if present. */
  private ensureNamespaceObjects(signal: AbortSignal): Promise<void> {
    this.namespaceReady ??= (async () => {
      const { api, backend } = this.options;
      const policies = [buildDenyAllPolicy(api.namespace, backend)];
      if (this.options.database && this.options.database.egress.length > 0) {
        policies.push(buildDatabaseEgressPolicy(api.namespace, backend, this.options.database.egress));
      }
      for (const policy of policies) {
        try {
          await api.create("networkpolicies", policy, signal);
        } catch (error) {
          if (!(error instanceof KubeApiError && error.code === 409)) throw error;
        }
      }
    })().catch((error: unknown) => {
      this.namespaceReady = undefined;
      throw error;
    });
    return this.namespaceReady;
  }

  async execute(job: JobDefinition, signal: AbortSignal): Promise<JobStatus> {
    const current = await this.getStatus(job, {}, signal);
    if (current.state !== "prepared") return current;
    await this.ensureNamespaceObjects(signal);
    const state = this.stateDir(job);
    await mkdir(state, { recursive: true });
    if (this.options.volumeOwner) {
      for (const dir of [path.dirname(path.dirname(state)), path.dirname(state), state]) {
        await chown(dir, this.options.volumeOwner.uid, this.options.volumeOwner.gid);
      }
    }
    await this.deleteOtherAttempts(job, signal);
    const image = this.resolveImage(job.image);
    const database = this.options.database;
    const manifest = buildJobManifest({
      job,
      namespace: this.options.api.namespace,
      backend: this.options.backend,
      // The kubelet pulls the digest the controller recorded, whatever the tag names by then.
      image: withDigest(image, job.imageSha),
      entrypoint: this.entrypoint(image),
      jobVolumesClaim: this.options.jobVolumesClaim,
      user: this.options.user,
      nodeSelector: this.options.nodeSelector,
      tolerations: this.options.tolerations,
      imagePullSecrets: this.options.imagePullSecrets,
      deadlines: this.options.deadlines,
      databaseSecret:
        job.allowDatabaseAccess && database ? { name: database.secretName, key: job.databaseName ?? "default" } : undefined,
    });
    const counters = this.options.counters;
    counters.increment("job_create_calls_total", {});
    try {
      const created = await this.options.api.create("jobs", manifest, signal);
      counters.increment("job_create_success_total", {});
      this.jobs.observe(created);
    } catch (error) {
      if (error instanceof KubeApiError && error.code === 409) {
        // Made by an earlier agent (or an earlier call) for this very task: adopt it.
        counters.increment("job_adopted_total", {});
        return this.getStatus(job, {}, signal);
      }
      counters.increment("job_create_errors_total", {});
      if (error instanceof KubeApiError && error.code === 422) {
        throw new KubernetesExecutorError(
          `the cluster rejected the job's Job as invalid: ${error.message}\n${JSON.stringify(manifest, null, 2)}`,
        );
      }
      throw error;
    }
    return this.status("executing");
  }

  /** Jobs left by other attempts of this job (same job id, another task): never ours to adopt. */
  private async deleteOtherAttempts(job: JobDefinition, signal: AbortSignal): Promise<void> {
    const mine = jobName(job.id, job.taskId);
    for (const other of this.jobs.values()) {
      const name = other.metadata?.name;
      if (!name || name === mine || other.metadata?.labels?.[JOB_ID_LABEL] !== labelValue(job.id)) continue;
      this.options.log.warn("removing a Job left by another attempt", {
        job: job.id,
        task: other.metadata?.annotations?.[TASK_ID_ANNOTATION],
      });
      await this.deleteJobAndPods(name, signal);
    }
  }

  async waitForExit(job: JobDefinition, signal: AbortSignal): Promise<JobStatus> {
    await this.informers(signal);
    const name = jobName(job.id, job.taskId);
    for (;;) {
      // Subscribe before looking, so a change between the look and the wait is not missed.
      let wake: () => void = () => undefined;
      const changed = new Promise<void>((resolve) => (wake = resolve));
      const relevant = (_type: string, object: KubeObject) => {
        if (object.metadata?.name === name || object.metadata?.labels?.[JOB_NAME_LABEL] === name) wake();
      };
      const unsubscribeJobs = this.jobs.subscribe(relevant);
      const unsubscribePods = this.pods.subscribe(relevant);
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => wake();
      signal.addEventListener("abort", onAbort, { once: true });
      try {
        const status = await this.getStatus(job, {}, signal);
        if (status.state !== "executing" || signal.aborted) return status;
        const k8sJob = this.jobs.get(name);
        const observation = observe(k8sJob, this.podsOf(name), Date.now(), this.options.deadlines);
        const due = nextDeadlineMs(observation, this.options.deadlines);
        if (due !== undefined) timer = setTimeout(wake, Math.max(50, due - Date.now() + 50));
        await changed;
      } finally {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        unsubscribeJobs();
        unsubscribePods();
      }
    }
  }

  async terminate(job: JobDefinition, signal: AbortSignal): Promise<JobStatus> {
    const current = await this.getStatus(job, {}, signal);
    if (current.state !== "executing") return current;
    // Recorded first: once the Job is gone, this is what says the job ran and was killed.
    await this.record(job, { finishedAtNs: this.nowNs().toString(), exitCode: 137, oomKilled: false });
    await this.deleteTaskJob(job, signal);
    return this.getStatus(job, {}, signal);
  }

  private async deleteTaskJob(job: JobDefinition, signal: AbortSignal): Promise<void> {
    await this.deleteJobAndPods(jobName(job.id, job.taskId), signal);
  }

  /**
   * Deletes a Job and its pods now rather than waiting for the garbage collector. The pods get a
   * short grace, not 0: a force delete drops the pod object while the kubelet may still be starting
   * the container, and a kubelet that then mounts the volume recreates the directories cleanup removed.
   */
  private async deleteJobAndPods(name: string, signal: AbortSignal): Promise<void> {
    await this.options.api.delete("jobs", name, { propagationPolicy: "Background" }, signal);
    for (const pod of this.podsOf(name)) {
      const podName = pod.metadata?.name;
      if (!podName || pod.metadata?.deletionTimestamp) continue;
      await this.options.api.delete("pods", podName, { gracePeriodSeconds: JOB_STOP_GRACE_SECONDS }, signal);
    }
  }

  /** Last resort for pods a kubelet never finished stopping (node lost, kubelet wedged). */
  private async forceDeletePods(names: ReadonlySet<string>, signal: AbortSignal): Promise<void> {
    for (const name of names) {
      for (const pod of this.podsOf(name)) {
        const podName = pod.metadata?.name;
        if (!podName) continue;
        this.options.log.warn("pod still there after its grace period: deleting it forcefully", { pod: podName });
        await this.options.api.delete("pods", podName, { gracePeriodSeconds: 0 }, signal);
        this.options.counters.increment("pods_forcefully_deleted_total", {});
      }
    }
  }

  private containerFacts(job: JobDefinition, recorded: RecordedOutcome): ContainerFacts | undefined {
    const memoryLimitBytes = parseMemoryQuantity(memoryLimitQuantity(job.memoryLimit) ?? "0");
    const base = {
      memoryLimitBytes,
      imageId: recorded.imageId ?? "",
      labels: {},
      inspect: { driver: "kubernetes", job: jobName(job.id, job.taskId), pod: recorded.pod ?? recorded.podName ?? null },
    };
    if (recorded.exitCode !== undefined) {
      return { ...base, exitCode: recorded.exitCode, oomKilled: recorded.oomKilled ?? false, ...this.deadlineMessage(recorded) };
    }
    if (recorded.failure?.kind === "job") {
      // The job never got to run (or was stopped by its deadline): a job failure with the reason.
      return {
        ...base,
        exitCode: recorded.failure.reason === "DeadlineExceeded" ? 137 : -1,
        oomKilled: false,
        message: recorded.failure.message,
      };
    }
    return undefined;
  }

  private deadlineMessage(recorded: RecordedOutcome): { message?: string } {
    return recorded.failure ? { message: recorded.failure.message } : {};
  }

  async finalize(job: JobDefinition, options: FinalizeOptions, signal: AbortSignal): Promise<JobStatus> {
    const cancelled = options.cancelled ?? false;
    const finished = await this.finishedStatus(job);
    if (finished) return finished;
    const current = await this.getStatus(job, { cancelled }, signal);
    if (!cancelled && !options.error && current.state === "unknown") return current;
    if (!cancelled && !options.error && current.state !== "executed") return current;
    const recorded = await this.recordedOutcome(job);
    const facts = recorded ? this.containerFacts(job, recorded) : undefined;
    const platformError =
      recorded?.failure?.kind === "executor" ? { type: "KubernetesError", message: recorded.failure.message } : undefined;
    // The log file is passed on, not read: job-files streams it into logs.txt, so a job that
    // printed gigabytes costs the agent no memory.
    const logFile = path.join(this.stateDir(job), LOG_FILE_NAME);
    const logs = (await isFile(logFile)) ? { file: logFile, crlfToLf: false } : "";
    const error = options.error ?? platformError;
    await finalizeJobFiles({
      job,
      layout: this.options.layout,
      volumeDir: this.volumeDir(job),
      container: facts,
      logs,
      cancelled,
      ...(error ? { error: { ...error } } : {}),
      metrics: await this.metrics.metricsFor(job.id),
      ...(this.options.readStudyActions ? { readStudyProjectActions: () => this.options.readStudyActions!(job, signal) } : {}),
    });
    return (await this.finishedStatus(job)) ?? this.getStatus(job, { cancelled }, signal);
  }

  async cleanup(job: JobDefinition, signal: AbortSignal): Promise<void> {
    await this.informers(signal);
    await this.removeJobObjects(job.id, signal, jobName(job.id, job.taskId));
  }

  /** Every Job of the job id (any attempt), its pods, its volume and its state. */
  private async removeJobObjects(jobId: string, signal: AbortSignal, knownName?: string): Promise<void> {
    const names = new Set(
      this.jobs
        .values()
        .filter((found) => found.metadata?.labels?.[JOB_ID_LABEL] === labelValue(jobId))
        .flatMap((found) => (found.metadata?.name ? [found.metadata.name] : [])),
    );
    if (knownName) names.add(knownName);
    for (const name of names) await this.deleteJobAndPods(name, signal);
    // Pods stop asynchronously: removing the volume under a container still writing to it fails.
    const stopWaitMs = this.options.deadlines.podStopTimeoutSeconds * 1000;
    if (!(await this.podsGone(names, signal, stopWaitMs))) {
      signal.throwIfAborted();
      await this.forceDeletePods(names, signal);
      await this.podsGone(names, signal, stopWaitMs);
    }
    await rm(this.volumeDir({ id: jobId }), { recursive: true, force: true });
    await rm(path.join(this.options.layout.volumesDir, jobStateRootSubPath(jobId)), { recursive: true, force: true });
    await rm(path.join(this.options.layout.tempDir, "kubernetes", jobId), { recursive: true, force: true });
    await this.metrics.forget(jobId);
  }

  /** Whether the informer saw every pod of these Jobs go within `timeoutMs` (false on timeout or abort). */
  private async podsGone(names: ReadonlySet<string>, signal: AbortSignal, timeoutMs: number): Promise<boolean> {
    const remaining = () => [...names].some((name) => this.podsOf(name).length > 0);
    if (!remaining()) return true;
    return new Promise<boolean>((resolve) => {
      const done = (gone: boolean) => {
        clearTimeout(timer);
        unsubscribe();
        signal.removeEventListener("abort", onAbort);
        resolve(gone);
      };
      const onAbort = () => done(false);
      const unsubscribe = this.pods.subscribe(() => {
        if (!remaining()) done(true);
      });
      const timer = setTimeout(() => done(!remaining()), timeoutMs);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  async listJobIds(signal: AbortSignal): Promise<string[]> {
    await this.informers(signal);
    const ids = new Set(this.jobs.values().flatMap((found) => found.metadata?.labels?.[JOB_ID_LABEL] ?? []));
    return [...ids];
  }

  async reapFinished(signal: AbortSignal): Promise<string[]> {
    await this.informers(signal);
    const reaped: string[] = [];
    for (const found of this.jobs.values()) {
      const jobId = found.metadata?.labels?.[JOB_ID_LABEL];
      const task = found.metadata?.annotations?.[TASK_ID_ANNOTATION];
      if (!jobId || !task || reaped.includes(jobId)) continue;
      const metadata = await readJobMetadataById(this.options.layout, jobId);
      // Only a Job whose attempt already wrote its metadata: its result is known, only tidying is left.
      if (typeof metadata.task_id !== "string" || runTaskId(metadata.task_id, jobId) !== task) continue;
      await this.removeJobObjects(jobId, signal);
      reaped.push(jobId);
    }
    return reaped;
  }

  async sampleMetrics(signal: AbortSignal): Promise<void> {
    await this.informers(signal);
    const usage = await this.options.api.podUsage(signal);
    const now = Date.now();
    for (const sample of usage) {
      const pod = this.pods.get(sample.podName);
      const jobId = pod?.metadata?.labels?.[JOB_ID_LABEL];
      const container = pod?.status?.containerStatuses?.find((status) => status.name === JOB_CONTAINER);
      const startedAt = container?.state?.running?.startedAt;
      if (!pod || !jobId || !startedAt) continue;
      await this.metrics.record(
        jobId,
        {
          containerId: container.containerID ?? pod.metadata?.uid ?? sample.podName,
          cpuPercent: sample.cpuCores * 100,
          memoryBytes: sample.memoryBytes,
        },
        now,
        () => Promise.resolve(Date.parse(startedAt)),
      );
    }
  }

  runDatabaseCheck(request: DatabaseCheckRequest, signal: AbortSignal): Promise<DatabaseCheckResults> {
    return runKubernetesDatabaseCheck(
      request,
      {
        api: this.options.api,
        backend: this.options.backend,
        image: this.resolveImage(request.image),
        user: this.options.user,
        nodeSelector: this.options.nodeSelector,
        tolerations: this.options.tolerations,
        imagePullSecrets: this.options.imagePullSecrets,
        secretName: request.dummyData ? undefined : this.options.database?.secretName,
        timeoutSeconds: this.options.deadlines.pendingTimeoutSeconds,
        waitForChange: (name, waitSignal) => this.nextChange(name, waitSignal),
      },
      signal,
    );
  }

  // ---- live logs and exec ------------------------------------------------------------------

  /** The job id's newest Job that is not being deleted, with the task it runs. */
  private liveJobOf(jobId: string): { readonly name: string; readonly taskId: string } | undefined {
    const label = labelValue(jobId);
    const found = this.jobs
      .values()
      .filter((candidate) => candidate.metadata?.labels?.[JOB_ID_LABEL] === label && !candidate.metadata.deletionTimestamp)
      .sort((a, b) => createdMs(b) - createdMs(a))[0];
    const name = found?.metadata?.name;
    const taskId = found?.metadata?.annotations?.[TASK_ID_ANNOTATION];
    return name && taskId ? { name, taskId } : undefined;
  }

  /**
   * The job's output so far from its log file on the job volume (while its Job exists), and with
   * `follow` everything after, until its container ends. Reading the file costs no API call.
   */
  async *streamLogs(jobId: string, options: { readonly follow: boolean }, signal: AbortSignal): AsyncIterable<Uint8Array> {
    await this.informers(signal);
    const live = this.liveJobOf(jobId);
    if (!live) return;
    const state = path.join(this.options.layout.volumesDir, taskStateSubPath(jobId, live.taskId));
    const ended = () => {
      if (existsSync(path.join(state, EXIT_CODE_FILE_NAME))) return Promise.resolve(true);
      const observation = observe(this.jobs.get(live.name), this.podsOf(live.name), Date.now(), this.options.deadlines);
      return Promise.resolve(observation.kind !== "pending" && observation.kind !== "running");
    };
    yield* followLogFile(
      path.join(state, LOG_FILE_NAME),
      {
        follow: options.follow,
        ended,
        waitForChange: (waitSignal) => this.nextChange(live.name, waitSignal, 250).then(() => undefined),
      },
      signal,
    );
  }

  async isRunning(jobId: string, signal: AbortSignal): Promise<boolean> {
    return (await this.runningPodOf(jobId, signal)) !== undefined;
  }

  /** The name of the job's pod while its job container runs. */
  private async runningPodOf(jobId: string, signal: AbortSignal): Promise<string | undefined> {
    await this.informers(signal);
    const live = this.liveJobOf(jobId);
    if (!live) return undefined;
    const pod = currentPod(this.podsOf(live.name));
    const container = pod?.status?.containerStatuses?.find((status) => status.name === JOB_CONTAINER);
    const running = pod?.status?.phase === "Running" && container?.state?.running !== undefined;
    return running ? pod.metadata?.name : undefined;
  }

  /**
   * `rap exec`: a session in the job container through the API server (pods/exec, which the
   * agent's Role grants), with a terminal allocated on the node. The session's bytes travel between
   * the agent and the cluster only, both inside the backend.
   */
  async openExec(jobId: string, command: readonly string[], terminal: ExecTerminal, signal: AbortSignal): Promise<ExecSession> {
    const pod = await this.runningPodOf(jobId, signal);
    if (!pod) throw new Error(`job ${jobId} has no running container on this backend`);
    return this.options.api.exec(pod, JOB_CONTAINER, command, terminal, signal);
  }

  /**
   * The Job and its pods after the next change to either seen by the informers (or after
   * `timeoutMs`, to look at the cache again: no API call is made).
   */
  private async nextChange(
    name: string,
    signal: AbortSignal,
    timeoutMs = 5000,
  ): Promise<{ job: KubeObject | undefined; pods: KubeObject[] }> {
    await this.informers(signal);
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        unsubscribeJobs();
        unsubscribePods();
        signal.removeEventListener("abort", done);
        resolve();
      };
      const relevant = (_type: string, object: KubeObject) => {
        if (object.metadata?.name === name || object.metadata?.labels?.[JOB_NAME_LABEL] === name) done();
      };
      const unsubscribeJobs = this.jobs.subscribe(relevant);
      const unsubscribePods = this.pods.subscribe(relevant);
      const timer = setTimeout(done, timeoutMs);
      signal.addEventListener("abort", done, { once: true });
    });
    return { job: this.jobs.get(name), pods: this.podsOf(name) };
  }
}
