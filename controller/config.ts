/**
 * Controller configuration, read once from the environment into a frozen object. Variable names
 * follow upstream (BACKENDS, <BACKEND>_CLIENT_TOKENS, …) so an existing deployment's settings carry
 * over. This is the only controller file that reads process.env.
 */
import { accessSync, constants } from "node:fs";
import { resolve } from "node:path";
import { versionString } from "../common/build-info.js";
import { shellSplit } from "./pipeline/shell-words.js";
import type { TlsFiles } from "./tls/reloading-tls.js";

export interface BackendConfig {
  readonly slug: string;
  /** Token this backend's agent must present on the agent stream; undefined: no agent may connect. */
  readonly agentToken: string | undefined;
  readonly maxWorkers: number;
  readonly maxDbWorkers: number;
  readonly jobCpuCount: string;
  readonly jobMemoryLimit: string;
}

export interface ControllerConfig {
  readonly host: string;
  readonly port: number;
  readonly workdir: string;
  readonly databasePath: string;
  /** Backends in BACKENDS order. */
  readonly backends: readonly BackendConfig[];
  /** RAP API client token -> backends it may use, in BACKENDS order. */
  readonly clientTokens: ReadonlyMap<string, readonly string[]>;
  /** Token for AdminService; undefined disables the admin RPCs. */
  readonly adminToken: string | undefined;
  readonly allowLocalGitRepos: boolean;
  readonly allowedGithubOrgs: readonly string[];
  readonly githubProxyDomain: string;
  readonly privateRepoAccessToken: string;
  /**
   * Retries of git fetches and listings that fail for a network reason (a reset, a timeout, an HTTP
   * 5xx) before a user is told to try again later: GIT_FETCH_ATTEMPTS tries in all, within
   * GIT_FETCH_RETRY_SECONDS, waiting 1 s, 2 s, 4 s … (at most 8 s) in between.
   */
  readonly gitFetchRetry: { readonly attempts: number; readonly budgetMs: number };
  /**
   * Where reusable actions live: `<base>/<action name>` is the action's git repository. Upstream's
   * `https://github.com/opensafely-actions` by default; a local directory or file:// base serves
   * tests and offline sites.
   */
  readonly actionsRepoBase: string;
  readonly dockerRegistry: string;
  /**
   * Resolve each RUNJOB task's image tag to the digest the registry names for it now, so the agent
   * runs exactly that image (RESOLVE_IMAGE_DIGESTS; on by default, as upstream; off where no
   * registry is reachable, e.g. `rap run` and the all-in-one demo with stand-in images).
   */
  readonly imageDigests: {
    readonly resolve: boolean;
    // How long one answer serves further tasks of the same tag (IMAGE_DIGEST_CACHE_SECONDS).
    readonly freshSeconds: number;
    // Per registry call (REGISTRY_TIMEOUT_SECONDS).
    readonly timeoutSeconds: number;
  };
  readonly level4MaxFilesize: number;
  readonly level4MaxCsvRows: number;
  readonly stataLicense: string | undefined;
  /** Projects whose database jobs get ehrQL's event_level_data component (upstream hard-codes one slug). */
  readonly projectsWithEventLevelAccess: readonly string[];
  /** The environment given to child processes (git), captured once here. */
  readonly childEnv: Readonly<Record<string, string>>;
  /** Largest accepted RAP API request body. */
  readonly maxRequestBodyBytes: number;
  /** The scheduler runs on every event; this slow tick is only a safety net. */
  readonly safetyTickMs: number;
  /** Backends whose database is checked by scheduled DBSTATUS tasks (MAINTENANCE_ENABLED_BACKENDS). */
  readonly maintenanceEnabledBackends: readonly string[];
  /** Least time between two DBSTATUS tasks of a backend, seconds (MAINTENANCE_POLL_INTERVAL). */
  readonly maintenancePollIntervalSeconds: number;
  /** Image DBSTATUS tasks run (DATABASE_UTILS_IMAGE; upstream's tpp-database-utils). */
  readonly databaseUtilsImage: string;
  /** Arguments DBSTATUS tasks give that image (DBSTATUS_COMMAND, shell words; upstream's `in_maintenance_mode`). */
  readonly dbstatusArgs: readonly string[];
  /** Backends whose agents run the daily HES data check (DBDATACHECK). */
  readonly dataCheckEnabledBackends: readonly string[];
  readonly dataCheckPollIntervalSeconds: number;
  /** YYYYMM passed to the data check. */
  readonly dataCheckHesExpectedActivityMonth: string;
  readonly version: string;
  /** LOG_LEVEL (or upstream's LOGLEVEL): debug, info, warn, error. */
  readonly logLevel: "debug" | "info" | "warn" | "error";
  /** LOG_FORMAT json|pretty; undefined: JSON unless stderr is a terminal. */
  readonly logFormat: "json" | "pretty" | undefined;
  /** DASHBOARD_TOKEN: the web dashboard's own login token (never the admin token); undefined: no dashboard login. */
  readonly dashboardToken: string | undefined;
  /** How often each end of the agent stream sends a heartbeat; an agent silent for three intervals is dropped. */
  readonly agentHeartbeatIntervalMs: number;
  /**
   * How long an agent may keep working on a task after it last heard from the controller. A standby
   * agent is given the task only after the lease of the agent that had it has run out.
   */
  readonly agentLeaseMs: number;
  /**
   * How many times a job is tried when its task fails with an error that is not permanent; after
   * the last, the job fails with job_error and the last reason (upstream retries for ever).
   */
  readonly jobMaxAttempts: number;
  /**
   * How long a backend may be without a connected agent before the controller logs a warning and
   * sets the rap_backend_agent_absent_too_long metric (its running jobs are not being watched).
   */
  readonly agentAbsentAlertMs: number;
  /** Wait before the first retry of such a job; each further retry waits twice as long. */
  readonly jobRetryInitialDelayMs: number;
  /** The longest wait between two attempts of a job. */
  readonly jobRetryMaxDelayMs: number;
  /**
   * TLS_CERT_FILE and TLS_KEY_FILE: serve HTTPS (ALPN h2 and http/1.1) on the one port;
   * TLS_CLIENT_CA_FILE also requires agents to present a client certificate naming their backend.
   * undefined: plain HTTP and h2c (loopback development).
   */
  readonly tls: TlsFiles | undefined;
  /**
   * SHUTDOWN_GRACE_SECONDS: after the first SIGTERM, how long requests in flight may take to finish
   * before the rest are cut (a second signal cuts at once).
   */
  readonly shutdownGraceSeconds: number;
  /**
   * BACKUP_DIR, BACKUP_INTERVAL_SECONDS (default 3600), BACKUP_KEEP (default 24): scheduled
   * snapshots of the database; undefined (no BACKUP_DIR): none.
   */
  readonly backups: { readonly dir: string; readonly intervalSeconds: number; readonly keep: number } | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

const DEFAULT_WORKERS: Readonly<Record<string, number>> = { test: 2, tpp: 10, emis: 10 };

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

function list(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

function truthy(value: string | undefined): boolean {
  return ["true", "1", "yes"].includes((value ?? "").trim().toLowerCase());
}

/** A yes/no setting; anything but the usual spellings is an error rather than a silent "no". */
function onOff(text: string, name: string): boolean {
  const value = text.trim().toLowerCase();
  if (["true", "1", "yes", "on"].includes(value)) return true;
  if (["false", "0", "no", "off"].includes(value)) return false;
  throw new ConfigError(`${name} must be true or false, got '${text}'`);
}

function number(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new ConfigError(`${name} must be a non-negative number, got '${raw}'`);
  return value;
}

/** ACTIONS_REPO_BASE without trailing slashes; a relative directory is resolved like WORKDIR. */
function actionsRepoBase(value: string | undefined): string {
  const raw = (value ?? "").trim() || "https://github.com/opensafely-actions";
  const isUrl = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(raw);
  const base = isUrl ? raw : resolve(raw);
  return base.length > 1 ? base.replace(/\/+$/, "") : base;
}

/** DBSTATUS_COMMAND split as a shell would (so `-c "echo db-maintenance"` is two words). */
function dbstatusArgs(value: string | undefined): string[] {
  try {
    return shellSplit(value ?? "in_maintenance_mode");
  } catch (error) {
    throw new ConfigError(
      `DBSTATUS_COMMAND cannot be split into words: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

const LOG_LEVELS = { debug: "debug", info: "info", warn: "warn", warning: "warn", error: "error" } as const;

function logLevel(value: string | undefined): ControllerConfig["logLevel"] {
  const key = (value ?? "info").trim().toLowerCase();
  const level = Object.hasOwn(LOG_LEVELS, key) ? LOG_LEVELS[key as keyof typeof LOG_LEVELS] : undefined;
  if (!level) throw new ConfigError(`LOG_LEVEL must be one of debug, info, warn, error, got '${value ?? ""}'`);
  return level;
}

function logFormat(value: string | undefined): ControllerConfig["logFormat"] {
  if (value === undefined || value === "") return undefined;
  if (value === "json" || value === "pretty") return value;
  throw new ConfigError(`LOG_FORMAT must be json or pretty, got '${value}'`);
}

function backendConfig(env: Env, slug: string): BackendConfig {
  const prefix = slug.toUpperCase();
  const maxWorkers = number(env, `${prefix}_MAX_WORKERS`, DEFAULT_WORKERS[slug] ?? 10);
  const agentToken = env[`${prefix}_AGENT_TOKEN`] ?? env[`${prefix}_JOB_SERVER_TOKEN`];
  return {
    slug,
    // Upstream falls back to the literal "token"; we refuse agents instead of accepting a guessable token.
    agentToken: agentToken === undefined || agentToken === "" ? undefined : agentToken,
    maxWorkers,
    maxDbWorkers: number(env, `${prefix}_MAX_DB_WORKERS`, maxWorkers),
    jobCpuCount: env[`${prefix}_JOB_CPU_COUNT`] ?? env.DEFAULT_JOB_CPU_COUNT ?? "2",
    jobMemoryLimit: env[`${prefix}_JOB_MEMORY_LIMIT`] ?? env.DEFAULT_JOB_MEMORY_LIMIT ?? "4G",
  };
}

function clientTokenMap(env: Env, slugs: readonly string[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const slug of slugs) {
    for (const token of list(env[`${slug.toUpperCase()}_CLIENT_TOKENS`])) {
      const backends = map.get(token) ?? [];
      backends.push(slug);
      map.set(token, backends);
    }
  }
  return map;
}

function readableFile(name: string, value: string): string {
  const file = resolve(value);
  try {
    accessSync(file, constants.R_OK);
  } catch {
    throw new ConfigError(`${name} names ${file}, which cannot be read`);
  }
  return file;
}

function tlsFiles(env: Env): TlsFiles | undefined {
  const cert = env.TLS_CERT_FILE || undefined;
  const key = env.TLS_KEY_FILE || undefined;
  const ca = env.TLS_CLIENT_CA_FILE || undefined;
  if (cert === undefined && key === undefined) {
    if (ca !== undefined) throw new ConfigError("TLS_CLIENT_CA_FILE needs TLS_CERT_FILE and TLS_KEY_FILE (mTLS runs over TLS)");
    return undefined;
  }
  if (cert === undefined) throw new ConfigError("TLS_KEY_FILE is set but TLS_CERT_FILE is not; set both, or neither");
  if (key === undefined) throw new ConfigError("TLS_CERT_FILE is set but TLS_KEY_FILE is not; set both, or neither");
  return Object.freeze({
    certFile: readableFile("TLS_CERT_FILE", cert),
    keyFile: readableFile("TLS_KEY_FILE", key),
    clientCaFile: ca === undefined ? undefined : readableFile("TLS_CLIENT_CA_FILE", ca),
  });
}

function backups(env: Env): ControllerConfig["backups"] {
  const intervalSeconds = number(env, "BACKUP_INTERVAL_SECONDS", 3600);
  const keep = number(env, "BACKUP_KEEP", 24);
  if (!env.BACKUP_DIR) return undefined;
  if (intervalSeconds < 1) throw new ConfigError(`BACKUP_INTERVAL_SECONDS must be at least 1, got '${intervalSeconds}'`);
  if (keep < 1 || !Number.isInteger(keep))
    throw new ConfigError(`BACKUP_KEEP must be a whole number of at least 1, got '${keep}'`);
  return Object.freeze({ dir: resolve(env.BACKUP_DIR), intervalSeconds, keep });
}

export function loadControllerConfig(env: Env = process.env): ControllerConfig {
  const workdir = resolve(env.WORKDIR ?? "workdir");
  const slugs = list(env.BACKENDS ?? "test,tpp,emis,ted");
  for (const slug of slugs) {
    if (!/^[a-z0-9_-]+$/.test(slug))
      throw new ConfigError(`BACKENDS entry '${slug}' must be lower-case letters, digits, '-' or '_'`);
  }
  const port = number(env, "PORT", 8000);
  return Object.freeze({
    host: env.HOST ?? "0.0.0.0",
    port,
    workdir,
    databasePath: resolve(env.DATABASE_FILE ?? `${workdir}/db.sqlite`),
    backends: Object.freeze(slugs.map((slug) => Object.freeze(backendConfig(env, slug)))),
    clientTokens: clientTokenMap(env, slugs),
    adminToken: env.RAP_ADMIN_TOKEN === "" ? undefined : env.RAP_ADMIN_TOKEN,
    allowLocalGitRepos: truthy(env.ALLOW_LOCAL_GIT_REPOS),
    allowedGithubOrgs: list(env.ALLOWED_GITHUB_ORGS ?? "opensafely,opensafely-actions"),
    githubProxyDomain: env.GITHUB_PROXY_DOMAIN ?? "github-proxy.opensafely.org",
    privateRepoAccessToken: env.PRIVATE_REPO_ACCESS_TOKEN ?? "",
    gitFetchRetry: Object.freeze({
      attempts: Math.max(1, number(env, "GIT_FETCH_ATTEMPTS", 4)),
      budgetMs: number(env, "GIT_FETCH_RETRY_SECONDS", 30) * 1000,
    }),
    actionsRepoBase: actionsRepoBase(env.ACTIONS_REPO_BASE),
    dockerRegistry: env.DOCKER_REGISTRY ?? "ghcr.io/opensafely-core",
    imageDigests: Object.freeze({
      resolve: onOff(env.RESOLVE_IMAGE_DIGESTS ?? "true", "RESOLVE_IMAGE_DIGESTS"),
      freshSeconds: number(env, "IMAGE_DIGEST_CACHE_SECONDS", 60),
      timeoutSeconds: Math.max(1, number(env, "REGISTRY_TIMEOUT_SECONDS", 30)),
    }),
    level4MaxFilesize: number(env, "LEVEL4_MAX_FILESIZE", 16 * 1024 * 1024),
    level4MaxCsvRows: number(env, "LEVEL4_MAX_CSV_ROWS", 5000),
    stataLicense: env.STATA_LICENSE,
    projectsWithEventLevelAccess: list(env.PROJECTS_WITH_EHRQL_EVENT_LEVEL_ACCESS),
    childEnv: Object.freeze(
      Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined)),
    ),
    maxRequestBodyBytes: number(env, "MAX_REQUEST_BODY_BYTES", 10 * 1024 * 1024),
    safetyTickMs: number(env, "SCHEDULER_SAFETY_TICK_MS", 5000),
    maintenanceEnabledBackends: list(env.MAINTENANCE_ENABLED_BACKENDS ?? "tpp"),
    maintenancePollIntervalSeconds: number(env, "MAINTENANCE_POLL_INTERVAL", 300),
    databaseUtilsImage:
      env.DATABASE_UTILS_IMAGE || `${env.DOCKER_REGISTRY ?? "ghcr.io/opensafely-core"}/tpp-database-utils:latest`,
    dbstatusArgs: dbstatusArgs(env.DBSTATUS_COMMAND),
    dataCheckEnabledBackends: list(env.DATA_CHECK_ENABLED_BACKENDS ?? "tpp"),
    dataCheckPollIntervalSeconds: number(env, "DATA_CHECK_POLL_INTERVAL", 86400),
    dataCheckHesExpectedActivityMonth: env.DATA_CHECK_HES_EXPECTED_ACTIVITY_MONTH ?? "202304",
    version: env.RAP_VERSION ?? versionString(),
    logLevel: logLevel(env.LOG_LEVEL ?? env.LOGLEVEL),
    logFormat: logFormat(env.LOG_FORMAT),
    dashboardToken: env.DASHBOARD_TOKEN || undefined,
    agentHeartbeatIntervalMs: number(env, "AGENT_HEARTBEAT_INTERVAL_MS", 10_000),
    agentLeaseMs: number(env, "AGENT_LEASE_MS", 60_000),
    jobMaxAttempts: Math.max(1, number(env, "JOB_MAX_ATTEMPTS", 5)),
    agentAbsentAlertMs: number(env, "AGENT_ABSENT_ALERT_MS", 300_000),
    jobRetryInitialDelayMs: number(env, "JOB_RETRY_INITIAL_DELAY_MS", 10_000),
    jobRetryMaxDelayMs: number(env, "JOB_RETRY_MAX_DELAY_MS", 300_000),
    tls: tlsFiles(env),
    shutdownGraceSeconds: number(env, "SHUTDOWN_GRACE_SECONDS", 30),
    backups: backups(env),
  });
}

export function backendBySlug(config: ControllerConfig, slug: string): BackendConfig | undefined {
  return config.backends.find((backend) => backend.slug === slug);
}
