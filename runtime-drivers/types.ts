/**
 * The executor interface every runtime driver implements, and the domain-neutral types it speaks.
 * Shaped like upstream's ExecutorAPI so the agent's logic is the same for every runtime. Status is
 * always derived from the runtime and the disk, never from memory, so an agent can restart at any
 * point and pick every job up where it was. This folder imports nothing from the project.
 */

/** Upstream's ExecutorState values, sent verbatim to the controller as task stages. */
export type ExecutorState =
  "unknown" | "preparing" | "prepared" | "executing" | "executed" | "finalizing" | "finalized" | "error";

export type OutputPrivacy = "highly_sensitive" | "moderately_sensitive" | "minimally_sensitive";

/** What the agent needs to run (or cancel) one job attempt: upstream's JobDefinition. */
export interface JobDefinition {
  readonly id: string;
  readonly rapId: string;
  /** The task this definition was built for: `<job id>-NNN` or `<…>-cancel`. */
  readonly taskId: string;
  /** Repository to check out (the reusable action's repo, or the study repo). */
  readonly repoUrl: string;
  readonly commit: string;
  readonly study: { readonly gitRepoUrl: string; readonly commit: string; readonly branch: string };
  readonly workspace: string;
  readonly action: string;
  /** Job creation time, unix seconds (also picks the log directory's month). */
  readonly createdAt: number;
  /** `<registry>/<name>:<tag>` */
  readonly image: string;
  readonly imageSha?: string | undefined;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly inputJobIds: readonly string[];
  /** glob pattern -> privacy level */
  readonly outputSpec: Readonly<Record<string, OutputPrivacy>>;
  readonly allowDatabaseAccess: boolean;
  readonly level4MaxCsvRows: number;
  readonly level4MaxFilesize: number;
  readonly level4FileTypes: readonly string[];
  readonly user: string;
  readonly databaseName?: string | undefined;
  readonly cpuCount?: string | undefined;
  readonly memoryLimit?: string | undefined;
}

export interface JobStatus {
  readonly state: ExecutorState;
  /** When the job entered `state`, unix nanoseconds. */
  readonly timestampNs: bigint;
  /** On `finalized`/`error`: the job metadata (unredacted; the agent redacts before sending). */
  readonly results: Readonly<Record<string, unknown>>;
}

/** Where a backend keeps its files (upstream's storage layout). All paths absolute. */
export interface StorageLayout {
  /** `<high>/workspaces/<ws>/…` every output; `<high>/logs/<YYYY-MM>/os-job-<id>/` logs and metadata. */
  readonly highPrivacyDir: string;
  /** `<medium>/workspaces/<ws>/…` moderately_sensitive outputs, logs copies and manifest.json. */
  readonly mediumPrivacyDir: string;
  /** Per-job working directories bind-mounted at /workspace. Default `<high>/volumes`. */
  readonly volumesDir: string;
  /** Archived workspaces (`<ws>.tar.gz|.tar.zstd|.tar.xz`). Default `<high>/archives`. */
  readonly archivesDir: string;
  /** Bare git caches, `<name>.git`. */
  readonly reposDir: string;
  /** Scratch space for checkouts. */
  readonly tempDir: string;
  /** Parent of the high-privacy workspaces (upstream's HIGH_PRIVACY_WORKSPACES_DIR). Default `<high>/workspaces`. */
  readonly highWorkspacesDir?: string | undefined;
  /** Parent of the medium-privacy workspaces (upstream's MEDIUM_PRIVACY_WORKSPACES_DIR). Default `<medium>/workspaces`. */
  readonly mediumWorkspacesDir?: string | undefined;
}

/** Minimal logger drivers accept, so they never import a logging library. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A failure of the executor itself (not of the job's code), recorded in the job's metadata. */
export interface ExecutorFailure {
  readonly type: string;
  readonly message: string;
  /** Trying again cannot help (a commit that does not exist, an image that is not allowed, …). */
  readonly permanent?: boolean | undefined;
}

export interface FinalizeOptions {
  readonly cancelled?: boolean;
  /** An executor-level failure to persist; the job then reports `error`. */
  readonly error?: ExecutorFailure | undefined;
}

/** A DBSTATUS / DBDATACHECK check, as the agent asks a driver to run it. */
export interface DatabaseCheckRequest {
  readonly kind: "dbstatus" | "dbdatacheck";
  /** Image reference (before the driver's image map). */
  readonly image: string;
  /** Arguments for the image; empty: upstream's command for the kind. */
  readonly args: readonly string[];
  readonly hesExpectedActivityMonth?: string | undefined;
  readonly databaseName: string;
  /** The database URL, for drivers that pass it from the agent (docker, podman); undefined: none. */
  readonly databaseUrl?: string | undefined;
  /** Dummy-data backends: no database network and no secret. */
  readonly dummyData: boolean;
}

/** What the agent reports: upstream's `{"results": {"status": …}, "error": null}` or the error form. */
export type DatabaseCheckResults =
  | { readonly results: { readonly status: string }; readonly error: null }
  | { readonly results: null; readonly error: { readonly type: string; readonly message: string } };

/**
 * One job-level interface for every runtime. Every method is idempotent and takes an AbortSignal;
 * a method called in the wrong state is a no-op that returns the current status.
 */
export interface Executor {
  /** Driver name reported to the controller: docker, podman, kubernetes. */
  readonly driver: string;
  /** From `unknown`: create the job's working directory with code and inputs. */
  prepare(job: JobDefinition, signal: AbortSignal): Promise<JobStatus>;
  /** From `prepared`: start the container detached; "already exists" means re-attach. */
  execute(job: JobDefinition, signal: AbortSignal): Promise<JobStatus>;
  /** Resolves when the job's container is no longer running (event-driven, not polled). */
  waitForExit(job: JobDefinition, signal: AbortSignal): Promise<JobStatus>;
  /** From `executed` (or any state when cancelled/errored): file outputs, logs and metadata. */
  finalize(job: JobDefinition, options: FinalizeOptions, signal: AbortSignal): Promise<JobStatus>;
  /** Kill a running container (→ `executed`). */
  terminate(job: JobDefinition, signal: AbortSignal): Promise<JobStatus>;
  /** Remove the container and the working directory; tolerates unknown jobs. */
  cleanup(job: JobDefinition, signal: AbortSignal): Promise<void>;
  /** Current status, derived from the runtime and the disk alone. */
  getStatus(job: JobDefinition, options: { readonly cancelled?: boolean }, signal: AbortSignal): Promise<JobStatus>;
  /** Ids of jobs that still have a container, for reconciliation after a restart. */
  listJobIds(signal: AbortSignal): Promise<string[]>;
  /**
   * Removes containers and working directories of attempts that already finalized (an agent that
   * stopped between reporting a result and cleaning up). Returns the job ids tidied.
   */
  reapFinished(signal: AbortSignal): Promise<string[]>;
  /** Takes one CPU/memory sample of every running job, folded into its job_metrics. */
  sampleMetrics(signal: AbortSignal): Promise<void>;
  /** Runs one database check in a throw-away container of the runtime and reduces its answer. */
  runDatabaseCheck(request: DatabaseCheckRequest, signal: AbortSignal): Promise<DatabaseCheckResults>;
  /** Releases what the executor holds open (watch connections); the agent calls it when it stops. */
  close?(): Promise<void>;
  /**
   * The output of a job's container so far, as the runtime holds it, and with `follow` everything it
   * writes after, until the container stops. Ends at once when the job has no container (see
   * `jobLogFile` for a finished job). Optional: a driver without it cannot serve `rap logs` live.
   */
  streamLogs?(jobId: string, options: { readonly follow: boolean }, signal: AbortSignal): AsyncIterable<Uint8Array>;
  /**
   * The command line (run by the caller inside a pseudo-terminal) that opens an interactive session
   * running `command` in the job's running container: how a container-CLI driver serves `rap exec`.
   */
  execCommand?(jobId: string, command: readonly string[]): { readonly file: string; readonly args: readonly string[] };
  /**
   * Opens an interactive session running `command` in the job's running container with a terminal
   * of its own, through the runtime's API (no local process): how an API driver serves `rap exec`.
   * A driver has this or `execCommand`; without either it cannot serve `rap exec`.
   */
  openExec?(jobId: string, command: readonly string[], terminal: ExecTerminal, signal: AbortSignal): Promise<ExecSession>;
  /** Whether the job has a running container right now. */
  isRunning?(jobId: string, signal: AbortSignal): Promise<boolean>;
}

/**
 * Counters a driver may bump for its own events (the agent backs them with Prometheus metrics);
 * drivers never import a metrics library. Names are the driver's own, without prefix, e.g. the
 * Kubernetes driver's `kubernetes_job_create_calls`.
 */
export interface DriverMetrics {
  count(name: string, labels?: Readonly<Record<string, string>>): void;
}

/** The operator's terminal as a `rap exec` session starts. */
export interface ExecTerminal {
  readonly columns: number;
  readonly rows: number;
  /** TERM, e.g. xterm-256color. */
  readonly term: string;
}

/** One interactive session in a job's container, as `rap exec` drives it. */
export interface ExecSession {
  /** The session's terminal output, in order. Set once, before any input is written. */
  onOutput(listener: (chunk: Uint8Array) => void): void;
  /** Keys for the session's terminal, as typed. */
  write(input: Uint8Array): void;
  resize(columns: number, rows: number): void;
  /** The command's exit status (128 + the signal when killed by one) once the session has ended. */
  readonly exited: Promise<number>;
  /** Ends the session early; `exited` then settles. */
  close(): void;
}
