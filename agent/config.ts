/**
 * Agent configuration: one YAML file per backend (AGENT_CONFIG) naming the driver and its options,
 * with environment variables (upstream's names where they exist) taking precedence. Read once into a
 * frozen object; the only agent file that reads process.env or the config file.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { parse } from "yaml";
import { versionString } from "../common/build-info.js";
import type { StorageLayout } from "../runtime-drivers/index.js";
import { parseKubernetesSection, type KubernetesSection } from "./kubernetes-config.js";

export type DriverKind = "docker" | "podman" | "kubernetes";

export interface AgentConfig {
  readonly backend: string;
  readonly controllerUrl: string;
  /**
   * TLS to an https:// controller: the CA that signed the controller's certificate (AGENT_TLS_CA_FILE,
   * `tls.ca_file`; default: the system's CAs) and this agent's client certificate and key for mTLS
   * (AGENT_TLS_CERT_FILE / `tls.cert_file`, AGENT_TLS_KEY_FILE / `tls.key_file`). Read on every
   * connection attempt, so renewed files are used at the next reconnect.
   */
  readonly tls: {
    readonly caFile: string | undefined;
    readonly certFile: string | undefined;
    readonly keyFile: string | undefined;
  };
  readonly token: string;
  readonly agentId: string;
  readonly version: string;
  readonly workdir: string;
  readonly logLevel: "debug" | "info" | "warn" | "error";
  /** LOG_FORMAT json|pretty; undefined: JSON unless stderr is a terminal. */
  readonly logFormat: "json" | "pretty" | undefined;
  /** Prometheus /metrics of this agent (AGENT_METRICS_PORT, `metrics_port:`); undefined: not served. */
  readonly metrics: { readonly host: string; readonly port: number } | undefined;
  readonly driver: {
    readonly kind: DriverKind;
    readonly binary: string;
    /** Print every runtime command the agent runs. */
    readonly debug: boolean;
    /** `uid:gid` for job containers. */
    readonly user: string;
    /** Chown prepared volumes to the job user (the agent runs as root, jobs do not). */
    readonly volumeOwner: { readonly uid: number; readonly gid: number } | undefined;
    readonly pullMissingImages: boolean;
    /**
     * Longest one image pull attempt may take, in seconds (1200 by default, as upstream; a pull is
     * tried three times, a second apart).
     */
    readonly pullTimeoutMs: number;
    // `image_map`, plus DOCKER_PROXY as its last entry: the registry prefix of job images
    // (DOCKER_REGISTRY) replaced by the proxy's, for pulls and runs alike, as upstream does.
    readonly imageMap: Readonly<Record<string, string>>;
    readonly databaseNetwork: string;
    /**
     * JOB_PIDS_LIMIT: most processes and threads one job container may have, 1024 by default (docker/podman
     * `--pids-limit`); 0 turns the limit off.
     */
    readonly pidsLimit: number;
  };
  /** The `kubernetes:` section, resolved, when the driver is kubernetes. */
  readonly kubernetes: KubernetesSection | undefined;
  /** The YAML file this config was read from (AGENT_CONFIG), if any. */
  readonly configFile: string | undefined;
  readonly storage: StorageLayout;
  /** The operators' local service (`rap logs`, `rap exec`, `rap agent status`) on a unix socket. */
  readonly local: {
    /** AGENT_LOCAL_SOCKET, `local.socket`; default `<workdir>/agent.sock`. Owner-only permissions. */
    readonly socketPath: string;
    /** AGENT_EXEC_ENABLED, `local.exec_enabled`; off unless set. */
    readonly execEnabled: boolean;
    /** AGENT_EXEC_AUDIT_LOG, `local.audit_log`; default `<workdir>/exec-audit.log` (JSON lines). */
    readonly auditLogPath: string;
  };
  /**
   * AGENT_SHUTDOWN_GRACE_SECONDS, `shutdown_grace_seconds`: how long the first SIGTERM waits for the
   * tasks in hand to finish and be reported before stopping anyway (their containers run on).
   */
  readonly shutdownGraceSeconds: number;
  /** Dummy-data backends give database jobs no secrets and no network isolation (as upstream). */
  readonly dummyDataBackend: boolean;
  /** Seconds between CPU/memory samples of running jobs (upstream's STATS_POLL_INTERVAL; at least 2). */
  readonly statsPollIntervalSeconds: number;
  /**
   * How many times a failing step of a task (a runtime hiccup, a full disk) is tried before the agent
   * gives up on the attempt: it reports the task failed with the last error and removes the job's
   * container, and the controller decides whether to try the job again.
   */
  readonly taskStepAttempts: number;
  readonly databaseUrls: Readonly<Record<string, string>>;
  /**
   * The other values database jobs get (upstream's names): TEMP_DATABASE_NAME, EMIS_ORGANISATION_HASH
   * and the Presto client certificate, whose files (PRESTO_TLS_KEY_PATH, PRESTO_TLS_CERT_PATH; both or
   * neither) are read once at start and passed as the values PRESTO_TLS_KEY / PRESTO_TLS_CERT.
   */
  readonly databaseSecrets: DatabaseSecrets;
  /**
   * The agent's own allow-list for the repositories of RUNJOB tasks (upstream #1077: a compromised
   * controller must not make an agent fetch arbitrary code): ALLOWED_GITHUB_ORGS (`allowed_github_orgs`,
   * default opensafely,opensafely-actions) and ALLOW_LOCAL_GIT_REPOS (`allow_local_git_repos`).
   */
  readonly repoPolicy: { readonly allowedGithubOrgs: readonly string[]; readonly allowLocalGitRepos: boolean };
  readonly githubProxyDomain: string | undefined;
  readonly privateRepoAccessToken: string | undefined;
  /** Environment for child processes (docker, git), captured once here. */
  readonly childEnv: Readonly<Record<string, string>>;
}

export interface DatabaseSecrets {
  readonly tempDatabaseName: string | undefined;
  readonly emisOrganisationHash: string | undefined;
  readonly prestoTls: { readonly key: string; readonly cert: string } | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

export class AgentConfigError extends Error {
  override readonly name = "AgentConfigError";
}

type FileConfig = Record<string, unknown>;

function section(file: FileConfig, key: string): FileConfig {
  const value = file[key];
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as FileConfig) : {};
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : typeof value === "number" ? String(value) : undefined;
}

function bool(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (typeof value === "string") return ["true", "1", "yes"].includes(value.trim().toLowerCase());
  return undefined;
}

/** A positive whole number of seconds, or the default when unset. */
function seconds(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value.trim() === "") return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1)
    throw new AgentConfigError(`${name} must be a whole number of seconds, got '${value}'`);
  return parsed;
}

/** The image map with the registry proxy appended (an explicit entry for the registry wins). */
function withProxy(map: Record<string, string>, registry: string, proxy: string | undefined): Record<string, string> {
  if (proxy === undefined || proxy.trim() === "") return map;
  const from = `${registry.replace(/\/+$/, "")}/`;
  if (map[from] !== undefined) return map;
  return { ...map, [from]: `${proxy.replace(/\/+$/, "")}/` };
}

function stringMap(value: unknown): Record<string, string> {
  if (value === null || typeof value !== "object") return {};
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}

/** JOB_PIDS_LIMIT: a whole number; 1024 by default, enough for any study's threads, not for a fork bomb. */
function pidsLimit(value: string | undefined): number {
  if (value === undefined || value.trim() === "") return 1024;
  if (!/^\d+$/.test(value.trim())) throw new AgentConfigError(`JOB_PIDS_LIMIT must be a whole number, got '${value}'`);
  return Number(value.trim());
}

function nonNegative(name: string, raw: string): number {
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value) || value < 0) {
    throw new AgentConfigError(`${name} must be a non-negative number, got '${raw}'`);
  }
  return value;
}

function optionalPath(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : path.resolve(value);
}

/** Upstream's PRESTO_TLS_*_PATH: both or neither, files that exist, read once. */
function prestoTls(keyPath: string | undefined, certPath: string | undefined): DatabaseSecrets["prestoTls"] {
  if (!keyPath && !certPath) return undefined;
  if (!keyPath || !certPath) {
    throw new AgentConfigError("PRESTO_TLS_KEY_PATH and PRESTO_TLS_CERT_PATH go together; set both, or neither");
  }
  const read = (name: string, file: string) => {
    if (!existsSync(file)) throw new AgentConfigError(`${name} file ${file} does not exist`);
    return readFileSync(file, "utf8");
  };
  return Object.freeze({ key: read("PRESTO_TLS_KEY_PATH", keyPath), cert: read("PRESTO_TLS_CERT_PATH", certPath) });
}

function commaList(value: unknown): string[] | undefined {
  if (Array.isArray(value)) return value.map(String);
  const text = str(value);
  return text === undefined
    ? undefined
    : text
        .split(",")
        .map((part) => part.trim())
        .filter(Boolean);
}

/** A stable agent id kept in the workdir, so a restarted agent is recognised as the same agent. */
function persistentAgentId(workdir: string): string {
  const file = path.join(workdir, "agent-id");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(workdir, { recursive: true });
  const id = `agent-${randomUUID()}`;
  writeFileSync(file, `${id}\n`);
  return id;
}

/** The job user when none is configured (also what `rap run` uses). */
export function defaultUser(): { user: string; owner: { uid: number; gid: number } | undefined } {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  // Jobs never run as root: a root agent runs them as an unprivileged id and hands them their volume.
  if (uid === 0) return { user: "10000:10000", owner: { uid: 10000, gid: 10000 } };
  return { user: `${uid}:${gid}`, owner: undefined };
}

/** The keys an agent config file may have, per section; anything else is a mistake, named at start. */
const FILE_KEYS: Readonly<Record<string, readonly string[]>> = {
  "": [
    "backend",
    "controller_url",
    "token",
    "workdir",
    "agent_id",
    "driver",
    "storage",
    "local",
    "tls",
    "kubernetes",
    "database_urls",
    "log_level",
    "log_format",
    "metrics_port",
    "metrics_host",
    "dummy_data_backend",
    "stats_poll_interval",
    "github_proxy_domain",
    "private_repo_access_token",
    "shutdown_grace_seconds",
    "temp_database_name",
    "emis_organisation_hash",
    "presto_tls_key_path",
    "presto_tls_cert_path",
    "allowed_github_orgs",
    "allow_local_git_repos",
  ],
  driver: [
    "kind",
    "binary",
    "debug",
    "user",
    "pull_missing_images",
    "image_pull_timeout",
    "image_map",
    "docker_registry",
    "docker_proxy",
    "database_network",
    "pids_limit",
  ],
  storage: ["high_privacy_dir", "medium_privacy_dir", "volumes_dir", "archives_dir"],
  local: ["socket", "exec_enabled", "audit_log"],
  tls: ["ca_file", "cert_file", "key_file"],
};

function checkFileKeys(file: FileConfig, where: string): void {
  const unknown: string[] = [];
  for (const [name, keys] of Object.entries(FILE_KEYS)) {
    const part = name === "" ? file : name === "driver" && typeof file.driver === "string" ? {} : section(file, name);
    for (const key of Object.keys(part)) if (!keys.includes(key)) unknown.push(name === "" ? key : `${name}.${key}`);
  }
  if (unknown.length > 0) {
    throw new AgentConfigError(`${where}: unknown key(s) ${unknown.join(", ")} (docs/configuration.md lists the keys)`);
  }
}

export function agentConfigFrom(env: Env, file: FileConfig = {}, configFile?: string): AgentConfig {
  checkFileKeys(file, configFile ?? "agent config");
  // `driver: kubernetes` names just the driver; `driver: {kind: …, …}` names it with its options.
  const driverFile = typeof file.driver === "string" ? { kind: file.driver } : section(file, "driver");
  const storageFile = section(file, "storage");
  const localFile = section(file, "local");
  const tlsFile = section(file, "tls");
  const backend = env.BACKEND ?? str(file.backend);
  if (!backend) throw new AgentConfigError("BACKEND (or `backend:` in the agent config file) is required");
  const controllerUrl = env.CONTROLLER_URL ?? env.CONTROLLER_TASK_API_ENDPOINT ?? str(file.controller_url);
  if (!controllerUrl) throw new AgentConfigError("CONTROLLER_URL (or `controller_url:`) is required");
  const token = env.AGENT_TOKEN ?? env.CONTROLLER_TASK_API_TOKEN ?? str(file.token);
  if (!token) throw new AgentConfigError("AGENT_TOKEN (or `token:`) is required");
  const workdir = path.resolve(env.AGENT_WORKDIR ?? str(file.workdir) ?? path.join(env.WORKDIR ?? "workdir", `agent-${backend}`));
  const kind = (env.AGENT_DRIVER ?? str(driverFile.kind) ?? "docker") as DriverKind;
  if (kind !== "docker" && kind !== "podman" && kind !== "kubernetes") {
    throw new AgentConfigError(`driver '${String(kind)}' is not available; choose docker, podman or kubernetes`);
  }
  let kubernetes: KubernetesSection | undefined;
  if (kind === "kubernetes") {
    try {
      kubernetes = parseKubernetesSection(file.kubernetes);
    } catch (error) {
      throw new AgentConfigError(error instanceof Error ? error.message : String(error));
    }
  } else if (file.kubernetes !== undefined) {
    throw new AgentConfigError(`a kubernetes: section needs driver: kubernetes (the driver is ${kind})`);
  }
  const high = path.resolve(
    env.HIGH_PRIVACY_STORAGE_BASE ?? str(storageFile.high_privacy_dir) ?? path.join(env.WORKDIR ?? "workdir", "high_privacy"),
  );
  const medium = path.resolve(
    env.MEDIUM_PRIVACY_STORAGE_BASE ??
      str(storageFile.medium_privacy_dir) ??
      path.join(env.WORKDIR ?? "workdir", "medium_privacy"),
  );
  const fallbackUser = defaultUser();
  const explicitUser = env.DOCKER_USER_ID
    ? `${env.DOCKER_USER_ID}:${env.DOCKER_GROUP_ID ?? env.DOCKER_USER_ID}`
    : str(driverFile.user);
  const databaseUrls = stringMap(file.database_urls);
  if (env.DEFAULT_DATABASE_URL) databaseUrls.default = env.DEFAULT_DATABASE_URL;
  const level = (env.LOG_LEVEL ?? env.LOGLEVEL ?? str(file.log_level) ?? "info").toLowerCase().replace(/^warning$/, "warn");
  const logFormat = env.LOG_FORMAT ?? str(file.log_format);
  if (logFormat !== undefined && logFormat !== "" && logFormat !== "json" && logFormat !== "pretty") {
    throw new AgentConfigError(`LOG_FORMAT must be json or pretty, got '${logFormat}'`);
  }
  const metricsPort = env.AGENT_METRICS_PORT ?? str(file.metrics_port);
  const dockerRegistry = env.DOCKER_REGISTRY ?? str(driverFile.docker_registry) ?? "ghcr.io/opensafely-core";
  const dockerProxy = env.DOCKER_PROXY ?? str(driverFile.docker_proxy);
  if (metricsPort !== undefined && metricsPort !== "" && !/^\d+$/.test(metricsPort)) {
    throw new AgentConfigError(`AGENT_METRICS_PORT must be a port number, got '${metricsPort}'`);
  }
  const tls = Object.freeze({
    caFile: optionalPath(env.AGENT_TLS_CA_FILE ?? str(tlsFile.ca_file)),
    certFile: optionalPath(env.AGENT_TLS_CERT_FILE ?? str(tlsFile.cert_file)),
    keyFile: optionalPath(env.AGENT_TLS_KEY_FILE ?? str(tlsFile.key_file)),
  });
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    throw new AgentConfigError(
      "AGENT_TLS_CERT_FILE (`tls.cert_file`) and AGENT_TLS_KEY_FILE (`tls.key_file`) go together; set both, or neither",
    );
  }
  if ((tls.caFile || tls.certFile) && !controllerUrl.startsWith("https://")) {
    throw new AgentConfigError(`tls settings need an https:// CONTROLLER_URL (\`controller_url:\`), got '${controllerUrl}'`);
  }
  return Object.freeze({
    backend,
    controllerUrl: controllerUrl.replace(/\/+$/, ""),
    tls,
    token,
    agentId: env.AGENT_ID ?? str(file.agent_id) ?? persistentAgentId(workdir),
    version: env.RAP_VERSION ?? versionString(),
    workdir,
    logLevel: (["debug", "info", "warn", "error"].includes(level) ? level : "info") as AgentConfig["logLevel"],
    logFormat: logFormat === "json" || logFormat === "pretty" ? logFormat : undefined,
    metrics:
      metricsPort === undefined || metricsPort === ""
        ? undefined
        : Object.freeze({ host: env.AGENT_METRICS_HOST ?? str(file.metrics_host) ?? "127.0.0.1", port: Number(metricsPort) }),
    driver: Object.freeze({
      kind,
      binary: env.AGENT_DRIVER_BINARY ?? str(driverFile.binary) ?? kind,
      debug: bool(env.AGENT_DEBUG) ?? bool(driverFile.debug) ?? false,
      user: explicitUser ?? fallbackUser.user,
      volumeOwner: explicitUser ? undefined : fallbackUser.owner,
      pullMissingImages: bool(env.PULL_MISSING_IMAGES) ?? bool(driverFile.pull_missing_images) ?? true,
      pullTimeoutMs: seconds(env.IMAGE_PULL_TIMEOUT ?? str(driverFile.image_pull_timeout), "IMAGE_PULL_TIMEOUT", 1200) * 1000,
      imageMap: Object.freeze(withProxy(stringMap(driverFile.image_map), dockerRegistry, dockerProxy)),
      databaseNetwork: env.DATABASE_ACCESS_NETWORK ?? str(driverFile.database_network) ?? "jobrunner-db",
      pidsLimit: pidsLimit(env.JOB_PIDS_LIMIT ?? str(driverFile.pids_limit)),
    }),
    kubernetes,
    configFile,
    storage: Object.freeze({
      highPrivacyDir: high,
      mediumPrivacyDir: medium,
      volumesDir: path.resolve(env.HIGH_PRIVACY_VOLUME_DIR ?? str(storageFile.volumes_dir) ?? path.join(high, "volumes")),
      archivesDir: path.resolve(env.HIGH_PRIVACY_ARCHIVE_DIR ?? str(storageFile.archives_dir) ?? path.join(high, "archives")),
      reposDir: path.join(workdir, "repos"),
      tempDir: path.join(workdir, "temp"),
    }),
    local: Object.freeze({
      socketPath: path.resolve(env.AGENT_LOCAL_SOCKET ?? str(localFile.socket) ?? path.join(workdir, "agent.sock")),
      execEnabled: bool(env.AGENT_EXEC_ENABLED) ?? bool(localFile.exec_enabled) ?? false,
      auditLogPath: path.resolve(env.AGENT_EXEC_AUDIT_LOG ?? str(localFile.audit_log) ?? path.join(workdir, "exec-audit.log")),
    }),
    shutdownGraceSeconds: nonNegative(
      "AGENT_SHUTDOWN_GRACE_SECONDS (`shutdown_grace_seconds:`)",
      env.AGENT_SHUTDOWN_GRACE_SECONDS ?? str(file.shutdown_grace_seconds) ?? "300",
    ),
    dummyDataBackend: bool(env.USING_DUMMY_DATA_BACKEND) ?? bool(file.dummy_data_backend) ?? false,
    statsPollIntervalSeconds: Math.max(2, Number(env.STATS_POLL_INTERVAL ?? str(file.stats_poll_interval) ?? 10) || 10),
    taskStepAttempts: Math.max(1, Number(env.TASK_STEP_ATTEMPTS ?? str(file.task_step_attempts) ?? 5) || 5),
    databaseUrls: Object.freeze(databaseUrls),
    databaseSecrets: Object.freeze({
      tempDatabaseName: env.TEMP_DATABASE_NAME || str(file.temp_database_name),
      emisOrganisationHash: env.EMIS_ORGANISATION_HASH || str(file.emis_organisation_hash),
      prestoTls: prestoTls(
        env.PRESTO_TLS_KEY_PATH || str(file.presto_tls_key_path),
        env.PRESTO_TLS_CERT_PATH || str(file.presto_tls_cert_path),
      ),
    }),
    repoPolicy: Object.freeze({
      allowedGithubOrgs: Object.freeze(
        commaList(env.ALLOWED_GITHUB_ORGS) ?? commaList(file.allowed_github_orgs) ?? ["opensafely", "opensafely-actions"],
      ),
      allowLocalGitRepos: bool(env.ALLOW_LOCAL_GIT_REPOS) ?? bool(file.allow_local_git_repos) ?? false,
    }),
    githubProxyDomain: env.GITHUB_PROXY_DOMAIN ?? str(file.github_proxy_domain),
    privateRepoAccessToken: env.PRIVATE_REPO_ACCESS_TOKEN ?? str(file.private_repo_access_token),
    childEnv: Object.freeze(Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined))),
  });
}

/** Reads AGENT_CONFIG (if set) and the environment. */
export function loadAgentConfig(env: Env = process.env): AgentConfig {
  return agentConfigFrom(env, readAgentConfigFile(env.AGENT_CONFIG), env.AGENT_CONFIG);
}

/** The agent config file as a mapping; {} when no file is named. */
export function readAgentConfigFile(file: string | undefined): FileConfig {
  if (!file) return {};
  let parsed: unknown;
  try {
    parsed = parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new AgentConfigError(`cannot read agent config ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (parsed !== null && (typeof parsed !== "object" || Array.isArray(parsed))) {
    throw new AgentConfigError(`agent config ${file} must be a YAML mapping`);
  }
  return (parsed ?? {}) as FileConfig;
}
