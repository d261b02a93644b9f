/**
 * The docker/podman executor: one implementation parameterised by the CLI binary and a quirks
 * table. Runtime objects have deterministic names from the job id (`os-job-<id>`), so "already
 * exists" means re-attach, never run again; status is derived from the runtime and the disk alone.
 */
import { existsSync } from "node:fs";
import { execa } from "execa";
import { mkdir, readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import type { CheckoutOptions } from "../checkout.js";
import { CommandError, type CommandRunner } from "../exec.js";
import {
  containerName,
  finalizeJobFiles,
  jobLogDir,
  readJobMetadata,
  readJobMetadataById,
  TIMESTAMP_REFERENCE_FILE,
  type ContainerFacts,
} from "../job-files/index.js";
import { assertNotArchived, prepareVolume } from "../prepare-volume.js";
import { runDatabaseStatus } from "../database-status.js";
import type {
  DatabaseCheckRequest,
  DatabaseCheckResults,
  Executor,
  FinalizeOptions,
  JobDefinition,
  JobStatus,
  Logger,
  StorageLayout,
} from "../types.js";
import * as argv from "./argv.js";
import { mapImage, withDigest } from "../image-map.js";
import { moveTagsForward, PULL_ATTEMPTS, pullWithRetries, type RunCli } from "./image-pull.js";
import { MetricsStore } from "../job-metrics.js";
import { parseInspect, type ContainerState } from "./inspect.js";
import { parseStats } from "./stats.js";
import { quirksFor, type CliQuirks } from "./quirks.js";

export interface ContainerCliOptions {
  /** `docker` or `podman` (or a path to either). */
  readonly binary: string;
  readonly runner: CommandRunner;
  readonly layout: StorageLayout;
  readonly checkout: CheckoutOptions;
  /** `uid:gid` for job containers. */
  readonly user: string;
  /** Chown prepared volumes to this owner (when the agent runs as root and jobs do not). */
  readonly volumeOwner?: { readonly uid: number; readonly gid: number } | undefined;
  /** Image reference rewriting: exact image -> replacement, then registry prefix -> replacement. */
  readonly imageMap?: Readonly<Record<string, string>> | undefined;
  /** Pull images that are not present locally (off where no registry is reachable). */
  readonly pullMissingImages: boolean;
  /** Longest one pull attempt may take (IMAGE_PULL_TIMEOUT); 20 minutes by default, as upstream. */
  readonly pullTimeoutMs?: number | undefined;
  /** Network and extra run arguments for database jobs; undefined: database jobs get none either. */
  readonly databaseNetwork?: { readonly name: string; readonly extraArgs: readonly string[] } | undefined;
  /**
   * More run arguments for a container on the database network, from the DATABASE_URL it gets (the
   * agent's `--add-host` for the database host, resolved when the container starts).
   */
  readonly databaseHostArgs?: ((databaseUrl: string) => Promise<readonly string[]>) | undefined;
  /** `--pids-limit` for job containers; undefined or 0: none. */
  readonly pidsLimit?: number | undefined;
  /** Secrets and other values for job env vars, by name (passed to the CLI's env, never argv). */
  readonly extraEnv?: (job: JobDefinition) => Readonly<Record<string, string>>;
  /** Study project.yaml action names, for manifest out-of-date flags. */
  readonly readStudyActions?: (job: JobDefinition, signal: AbortSignal) => Promise<Set<string> | undefined>;
  readonly log: Logger;
  readonly nowNs?: () => bigint;
  /** Run job containers with a pseudo-terminal, so their output arrives line by line (a local run). */
  readonly tty?: boolean | undefined;
  /** Fill working directories from somewhere other than the job's git commit (a local run). */
  readonly copyCode?: ((job: JobDefinition, volumeDir: string, signal: AbortSignal) => Promise<void>) | undefined;
}

const DEFAULT_PULL_TIMEOUT_MS = 1_200_000;

export class ExecutorError extends Error {
  override readonly name = "ExecutorError";
}

/** The job's image is not on this backend and the agent may not pull it: retrying cannot help. */
export class MissingImageError extends Error {
  override readonly name = "MissingImageError";
}

const nowNsDefault = (): bigint => BigInt(Date.now()) * 1_000_000n;

/** Container states (docker's and podman's) of a container that exists but has not started. */
const NOT_STARTED: ReadonlySet<string> = new Set(["created", "configured", "initialized"]);
/** States of a container that has finished; only these are "executed". */
const STOPPED: ReadonlySet<string> = new Set(["exited", "stopped", "dead"]);

/** The container's log while finalize turns it into logs.txt (in the job's log folder, then removed). */
const CONTAINER_LOG_SPOOL = "container-output.spool";

export class ContainerCliExecutor implements Executor {
  readonly driver: string;
  private readonly quirks: CliQuirks;
  private readonly nowNs: () => bigint;
  private readonly metrics: MetricsStore;
  private readonly presentImages = new Set<string>();

  constructor(private readonly options: ContainerCliOptions) {
    this.driver = path.basename(options.binary);
    this.metrics = new MetricsStore(path.join(options.layout.tempDir, "metrics"));
    this.quirks = quirksFor(options.binary);
    this.nowNs = options.nowNs ?? nowNsDefault;
  }

  private volumeDir(job: Pick<JobDefinition, "id">): string {
    return path.join(this.options.layout.volumesDir, job.id);
  }

  private cli(args: string[], signal: AbortSignal, env?: Readonly<Record<string, string>>) {
    return this.options.runner.run(this.options.binary, args, { signal, env });
  }

  private isNoSuchContainer(stderr: string): boolean {
    return this.quirks.noSuchContainer.some((fragment) => stderr.includes(fragment));
  }

  private async inspect(job: Pick<JobDefinition, "id">, signal: AbortSignal): Promise<ContainerState | undefined> {
    const result = await this.cli(argv.inspectArgv(containerName(job.id)), signal);
    if (result.exitCode === 0) return parseInspect(result.stdout);
    if (this.isNoSuchContainer(result.stderr)) return undefined;
    throw new CommandError(`${this.driver} inspect failed: ${result.stderr.trim()}`, result);
  }

  /**
   * The job's container if it belongs to this attempt. A container left by another attempt of the
   * same job (same deterministic name, another `task-id` label) is not ours to re-attach to: it is
   * treated as absent, and execute removes it. A CANCELJOB's definition owns its RUNJOB's container.
   */
  private async inspectOwn(job: JobDefinition, signal: AbortSignal): Promise<ContainerState | undefined> {
    const container = await this.inspect(job, signal);
    return container && this.belongsTo(container, job) ? container : undefined;
  }

  private belongsTo(container: ContainerState, job: JobDefinition): boolean {
    const owner = container.labels["task-id"];
    if (!owner || !job.taskId) return true;
    return owner === job.taskId || job.taskId === `${owner}-cancel`;
  }

  resolveImage(image: string): string {
    return mapImage(image, this.options.imageMap ?? {});
  }

  private status(state: JobStatus["state"], timestampNs?: bigint, results: Record<string, unknown> = {}): JobStatus {
    return { state, timestampNs: timestampNs ?? this.nowNs(), results };
  }

  /** Finalized or error, from this task's metadata.json alone (no runtime call). */
  private async finishedStatus(job: JobDefinition): Promise<JobStatus | undefined> {
    const metadata = await readJobMetadata(this.options.layout, job);
    if (Object.keys(metadata).length === 0) return undefined;
    const timestamp =
      typeof metadata.timestamp_ns === "number" || typeof metadata.timestamp_ns === "string"
        ? BigInt(metadata.timestamp_ns)
        : undefined;
    return this.status(metadata.error ? "error" : "finalized", timestamp, metadata);
  }

  async getStatus(job: JobDefinition, options: { readonly cancelled?: boolean }, signal: AbortSignal): Promise<JobStatus> {
    const finished = await this.finishedStatus(job);
    if (finished) return finished;
    // No container can exist without the prepared marker: `run` only follows it, and cleanup
    // removes the container before the directory. So a job without it needs no runtime call.
    if (!existsSync(path.join(this.volumeDir(job), TIMESTAMP_REFERENCE_FILE))) return this.statusFrom(job, undefined, options);
    return this.statusFrom(job, await this.inspectOwn(job, signal), options);
  }

  /** Status of an unfinished job from its container (or its absence) and its working directory. */
  private async statusFrom(
    job: JobDefinition,
    container: ContainerState | undefined,
    options: { readonly cancelled?: boolean },
  ): Promise<JobStatus> {
    if (!container || NOT_STARTED.has(container.status)) {
      const volume = this.volumeDir(job);
      if (options.cancelled) return this.status(existsSync(volume) ? "prepared" : "unknown");
      const marker = path.join(volume, TIMESTAMP_REFERENCE_FILE);
      const found = await stat(marker).catch(() => undefined);
      if (!found) return this.status("unknown");
      const text = (await readFile(marker, "utf8")).trim();
      return this.status("prepared", /^\d+$/.test(text) ? BigInt(text) : BigInt(Math.round(found.ctimeMs)) * 1_000_000n);
    }
    if (STOPPED.has(container.status)) return this.status("executed", container.finishedAtNs);
    // running, paused, stopping, and any state we do not know: never finalize a live container.
    return this.status("executing", container.startedAtNs);
  }

  async prepare(job: JobDefinition, signal: AbortSignal): Promise<JobStatus> {
    assertNotArchived(this.options.layout, job.workspace);
    await this.ensureImage(job, signal);
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
        copyCode: this.options.copyCode,
      },
      signal,
    );
    // The marker prepareVolume wrote last is what makes the job prepared; no runtime call needed.
    return this.statusFrom(job, undefined, {});
  }

  /** The reference the job's container runs: the mapped image, pinned to its digest when it has one. */
  private runImage(job: JobDefinition): string {
    return withDigest(this.resolveImage(job.image), job.imageSha);
  }

  private async ensureImage(job: JobDefinition, signal: AbortSignal): Promise<void> {
    const image = this.runImage(job);
    // Images are not removed under a running agent, so one successful check per image is enough.
    if (this.presentImages.has(image)) return;
    if ((await this.cli(argv.imageInspectArgv(image), signal)).exitCode === 0) {
      this.presentImages.add(image);
      return;
    }
    if (!this.options.pullMissingImages) {
      throw new MissingImageError(`image ${image} is not present on this backend and pulling is turned off`);
    }
    const runCli: RunCli = (args, { signal: abort, timeoutMs }) =>
      this.options.runner.run(this.options.binary, args, { signal: abort, timeoutMs });
    const pulled = await pullWithRetries(runCli, image, this.options.pullTimeoutMs ?? DEFAULT_PULL_TIMEOUT_MS, signal);
    if (!pulled.ok) {
      throw new ExecutorError(`could not pull image ${image} (${PULL_ATTEMPTS} attempts): ${pulled.error}`);
    }
    this.presentImages.add(image);
    if (job.imageSha) {
      const moved = await moveTagsForward(runCli, image, [this.resolveImage(job.image), job.image], signal);
      if (moved.length > 0) this.options.log.info("image tags moved to the pulled digest", { image, tags: moved.join(" ") });
    }
  }

  async execute(job: JobDefinition, signal: AbortSignal): Promise<JobStatus> {
    // Checked from the disk only: if a container already exists, `run` fails on its name and the
    // existing one is re-attached below, so no inspect is needed on the common path.
    const current = (await this.finishedStatus(job)) ?? (await this.statusFrom(job, undefined, {}));
    if (current.state !== "prepared") return current;
    const name = containerName(job.id);
    const env = { ...job.env, ...this.options.extraEnv?.(job) };
    const network = this.options.databaseNetwork;
    const databaseNetwork =
      network && job.allowDatabaseAccess && env.DATABASE_URL !== undefined
        ? { name: network.name, extraArgs: [...network.extraArgs, ...(await this.hostArgs(env.DATABASE_URL))] }
        : network;
    const run = await this.cli(
      argv.runArgv({
        job,
        containerName: name,
        volumeDir: this.volumeDir(job),
        image: this.runImage(job),
        user: this.options.user,
        databaseNetwork,
        pidsLimit: this.options.pidsLimit,
        envNames: Object.keys(env),
        quirks: this.quirks,
        tty: this.options.tty,
      }),
      signal,
      env,
    );
    if (run.exitCode !== 0) {
      const existing = await this.inspect(job, signal);
      if (!existing) throw new ExecutorError(`${this.driver} run failed: ${run.stderr.trim()}`);
      if (!this.belongsTo(existing, job)) {
        // Left by another attempt of this job: remove it, then start this attempt's container.
        this.options.log.warn("removing a container left by another attempt", {
          job_id: job.id,
          task_id: existing.labels["task-id"],
        });
        await this.cli(argv.removeArgv(name), signal);
        return this.execute(job, signal);
      }
      // This attempt got as far as creating its container before: re-attach (start it if needed).
      if (existing.status === "created") await this.cli(argv.startArgv(name), signal);
      return this.getStatus(job, {}, signal);
    }
    // Started just now; waitForExit reads the real start and finish times from the runtime.
    return this.status("executing");
  }

  async waitForExit(job: JobDefinition, signal: AbortSignal): Promise<JobStatus> {
    // `container wait` blocks until the container stops (no polling) and returns at once if it
    // already has. Its word is checked against inspect: under load podman's wait can return while a
    // just-started container is still coming up, so we wait again until it has really stopped.
    for (;;) {
      const waited = await this.options.runner.run(this.options.binary, argv.waitArgv(containerName(job.id), this.quirks), {
        signal,
        timeoutMs: 0,
      });
      const status = await this.getStatus(job, {}, signal);
      if (status.state !== "executing" || signal.aborted || waited.exitCode !== 0) return status;
    }
  }

  async terminate(job: JobDefinition, signal: AbortSignal): Promise<JobStatus> {
    const current = await this.getStatus(job, {}, signal);
    if (current.state !== "executing") return current;
    const killed = await this.cli(argv.killArgv(containerName(job.id)), signal);
    if (killed.exitCode !== 0 && !this.isNoSuchContainer(killed.stderr) && !/is not running/i.test(killed.stderr)) {
      throw new ExecutorError(`${this.driver} kill failed: ${killed.stderr.trim()}`);
    }
    await this.options.runner.run(this.options.binary, argv.waitArgv(containerName(job.id), this.quirks), {
      signal,
      timeoutMs: 60_000,
    });
    return this.getStatus(job, {}, signal);
  }

  async finalize(job: JobDefinition, options: FinalizeOptions, signal: AbortSignal): Promise<JobStatus> {
    const cancelled = options.cancelled ?? false;
    const finished = await this.finishedStatus(job);
    if (finished) return finished;
    // Logs are fetched alongside the inspect (two CLI round trips at once), into a spool file next
    // to the job's log rather than into memory: a job may print any amount. Unused if no container.
    const logDir = jobLogDir(this.options.layout, job);
    await mkdir(logDir, { recursive: true });
    const spool = path.join(logDir, CONTAINER_LOG_SPOOL);
    try {
      const [container] = await Promise.all([
        this.inspectOwn(job, signal),
        this.options.runner.run(this.options.binary, argv.logsArgv(containerName(job.id)), { signal, outputFile: spool }),
      ]);
      const current = await this.statusFrom(job, container, { cancelled });
      if (!cancelled && !options.error && current.state === "unknown") return current;
      let facts: ContainerFacts | undefined;
      if (container) {
        facts = {
          exitCode: container.exitCode,
          oomKilled: container.oomKilled,
          memoryLimitBytes: container.memoryLimitBytes,
          imageId: container.imageId,
          labels: container.labels,
          inspect: container.raw,
        };
      }
      await finalizeJobFiles({
        job,
        layout: this.options.layout,
        volumeDir: this.volumeDir(job),
        container: facts,
        // A terminal ends lines with CRLF; the job log keeps the LF lines every other job has.
        logs: container ? { file: spool, crlfToLf: this.options.tty ?? false } : "",
        cancelled,
        ...(options.error ? { error: { ...options.error } } : {}),
        metrics: await this.metrics.metricsFor(job.id),
        ...(this.options.readStudyActions ? { readStudyProjectActions: () => this.options.readStudyActions!(job, signal) } : {}),
      });
    } finally {
      await rm(spool, { force: true });
    }
    return (await this.finishedStatus(job)) ?? this.getStatus(job, { cancelled }, signal);
  }

  async cleanup(job: JobDefinition, signal: AbortSignal): Promise<void> {
    await this.removeJobObjects(job.id, signal);
  }

  private async removeJobObjects(jobId: string, signal: AbortSignal): Promise<void> {
    const removed = await this.cli(argv.removeArgv(containerName(jobId)), signal);
    if (removed.exitCode !== 0 && !this.isNoSuchContainer(removed.stderr)) {
      this.options.log.warn("could not remove container", { job_id: jobId, stderr: removed.stderr.trim() });
    }
    await rm(this.volumeDir({ id: jobId }), { recursive: true, force: true });
    await this.metrics.forget(jobId);
  }

  async reapFinished(signal: AbortSignal): Promise<string[]> {
    const reaped: string[] = [];
    for (const jobId of await this.listJobIds(signal)) {
      const container = await this.inspect({ id: jobId }, signal);
      if (!container || container.running) continue;
      const metadata = await readJobMetadataById(this.options.layout, jobId);
      // Only the attempt that wrote the metadata: a newer attempt's container has another task id.
      if (!metadata.task_id || metadata.task_id !== container.labels["task-id"]) continue;
      await this.removeJobObjects(jobId, signal);
      reaped.push(jobId);
    }
    return reaped;
  }

  async sampleMetrics(signal: AbortSignal): Promise<void> {
    const result = await this.options.runner.run(this.options.binary, argv.statsArgv(this.options.binary), {
      signal,
      timeoutMs: 10_000,
    });
    if (result.exitCode !== 0) throw new CommandError(`${this.driver} stats failed: ${result.stderr.trim()}`, result);
    const now = Date.now();
    for (const sample of parseStats(result.stdout)) {
      if (!sample.name.startsWith("os-job-")) continue;
      const jobId = sample.name.slice("os-job-".length);
      // Only a job's first sample needs its container's start time (one inspect per job).
      const startedAtMs = async () => {
        const inspected = await this.options.runner.run(this.options.binary, argv.inspectArgv(sample.name), { signal });
        const started = inspected.exitCode === 0 ? parseInspect(inspected.stdout).startedAtNs : undefined;
        return started === undefined ? now : Number(started / 1_000_000n);
      };
      await this.metrics.record(jobId, sample, now, startedAtMs);
    }
  }

  /**
   * A one-off container of the database-utils image on the database network with DATABASE_URL, or
   * with no network and no secret on a dummy-data backend.
   */
  private async hostArgs(databaseUrl: string | undefined): Promise<readonly string[]> {
    return databaseUrl === undefined || !this.options.databaseHostArgs ? [] : this.options.databaseHostArgs(databaseUrl);
  }

  async runDatabaseCheck(request: DatabaseCheckRequest, signal: AbortSignal): Promise<DatabaseCheckResults> {
    const network = request.dummyData ? undefined : this.options.databaseNetwork;
    const hostArgs = network ? await this.hostArgs(request.databaseUrl) : [];
    return runDatabaseStatus(
      this.options.runner,
      this.options.binary,
      {
        kind: request.kind,
        image: this.resolveImage(request.image),
        args: request.args,
        hesExpectedActivityMonth: request.hesExpectedActivityMonth,
        network: network?.name ?? "none",
        extraNetworkArgs: [...(network?.extraArgs ?? []), ...hostArgs],
        databaseUrl: request.dummyData ? undefined : request.databaseUrl,
        pullNever: !this.options.pullMissingImages,
      },
      signal,
    );
  }

  async *streamLogs(jobId: string, options: { readonly follow: boolean }, signal: AbortSignal): AsyncIterable<Uint8Array> {
    if (!(await this.inspect({ id: jobId }, signal))) return;
    const child = execa(this.options.binary, argv.followLogsArgv(containerName(jobId), options.follow), {
      all: true,
      buffer: false,
      encoding: "buffer",
      reject: false,
      stdin: "ignore",
      cancelSignal: signal,
      forceKillAfterDelay: 2_000,
    });
    try {
      for await (const chunk of child.all as AsyncIterable<Uint8Array | string>) {
        yield typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      }
    } finally {
      if (child.exitCode === null) child.kill();
      await child.catch(() => undefined);
    }
  }

  execCommand(jobId: string, command: readonly string[]): { readonly file: string; readonly args: readonly string[] } {
    return { file: this.options.binary, args: argv.execArgv(containerName(jobId), command) };
  }

  async isRunning(jobId: string, signal: AbortSignal): Promise<boolean> {
    return (await this.inspect({ id: jobId }, signal))?.running === true;
  }

  async listJobIds(signal: AbortSignal): Promise<string[]> {
    const result = await this.cli(argv.listJobContainersArgv(), signal);
    if (result.exitCode !== 0) throw new CommandError(`${this.driver} ls failed: ${result.stderr.trim()}`, result);
    return result.stdout
      .split("\n")
      .map((line) => line.trim())
      .filter((name) => name.startsWith("os-job-"))
      .map((name) => name.slice("os-job-".length));
  }
}
