/**
 * Generates docs/configuration.md from the configuration code itself: every environment variable
 * each config.ts reads (`env.NAME`, `env[\`${prefix}_NAME\`]`, `number(env, "NAME", default)`), the
 * default written next to it, and the description from the JSDoc of the config field it fills.
 * test/unit/docs/config-reference.test.ts fails when the committed page differs from this output,
 * so the reference cannot drift. Regenerate with: npm run docs:config
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");

interface Source {
  readonly file: string;
  readonly title: string;
  readonly intro: string;
}

/**
 * What a variable means, for variables whose config field has no JSDoc of its own. Only meanings
 * live here; names, defaults and where they are read always come from the code.
 */
const MEANINGS: Readonly<Record<string, string>> = {
  BACKENDS: "The backends this controller serves, comma-separated.",
  "<BACKEND>_MAX_WORKERS": "How many jobs of the backend run at once.",
  "<BACKEND>_MAX_DB_WORKERS": "How many database jobs of the backend run at once (default: its MAX_WORKERS).",
  "<BACKEND>_CLIENT_TOKENS": "RAP API tokens job-server presents for the backend, comma-separated.",
  "<BACKEND>_AGENT_TOKEN": "The token the backend's agent must present on the agent stream.",
  "<BACKEND>_JOB_SERVER_TOKEN": "Upstream's name for <BACKEND>_AGENT_TOKEN.",
  "<BACKEND>_JOB_CPU_COUNT": "CPUs each job of the backend may use.",
  "<BACKEND>_JOB_MEMORY_LIMIT": "Memory each job of the backend may use.",
  DEFAULT_JOB_CPU_COUNT: "CPUs per job for backends without their own setting.",
  DEFAULT_JOB_MEMORY_LIMIT: "Memory per job for backends without their own setting.",
  WORKDIR: "The directory for state: the database, the agent's repositories and scratch space.",
  PORT: "The port the controller listens on (0: any free port).",
  HOST: "The address the controller listens on.",
  DATABASE_FILE: "The controller's SQLite database file.",
  ALLOW_LOCAL_GIT_REPOS: "Accept local paths and file:// URLs as study repositories (development only).",
  ALLOWED_GITHUB_ORGS: "GitHub organisations study repositories may come from.",
  GIT_FETCH_ATTEMPTS: "Tries in all of a git fetch or listing that fails for a network reason (reset, timeout, HTTP 5xx).",
  GIT_FETCH_RETRY_SECONDS: "Longest those tries and the waits between them take before the user is told to try again later.",
  GITHUB_PROXY_DOMAIN: "The proxy through which backends reach GitHub.",
  PRIVATE_REPO_ACCESS_TOKEN: "Token for fetching private study repositories.",
  DOCKER_REGISTRY: "The registry prefix of the action images in job definitions.",
  RESOLVE_IMAGE_DIGESTS:
    "Ask the registry which digest each image tag names when a job's task is created, and have the agent run that digest (false where no registry is reachable).",
  IMAGE_DIGEST_CACHE_SECONDS: "How long one digest answer serves further tasks of the same image tag.",
  REGISTRY_TIMEOUT_SECONDS: "Longest one registry call (token or manifest) may take.",
  LEVEL4_MAX_FILESIZE: "Largest moderately sensitive file copied to level 4, bytes.",
  LEVEL4_MAX_CSV_ROWS: "Most rows a moderately sensitive CSV may have to be copied to level 4.",
  STATA_LICENSE: "The Stata licence passed to Stata jobs.",
  DATA_CHECK_POLL_INTERVAL: "Least time between two data checks of a backend, seconds.",
  RAP_VERSION:
    "Overrides the version reported to agents and clients (default: package.json's, with +g<commit> when built from git).",
  BACKEND: "The backend this agent serves.",
  CONTROLLER_URL: "The controller's address, e.g. http://controller:8000.",
  CONTROLLER_TASK_API_ENDPOINT: "Upstream's name for CONTROLLER_URL.",
  AGENT_TOKEN: "The backend's agent token (the controller's <BACKEND>_AGENT_TOKEN).",
  CONTROLLER_TASK_API_TOKEN: "Upstream's name for AGENT_TOKEN.",
  AGENT_WORKDIR: "The agent's own state directory (repositories, scratch, outbox).",
  AGENT_DRIVER: "How jobs run: docker, podman or kubernetes.",
  AGENT_DRIVER_BINARY: "The container runtime's command, if not the driver's name.",
  AGENT_CONFIG: "The agent's YAML config file; environment variables win over its keys.",
  AGENT_ID: "A fixed id for this agent (default: one kept in the workdir).",
  HIGH_PRIVACY_STORAGE_BASE: "Where workspaces, logs and archives live (level 3).",
  MEDIUM_PRIVACY_STORAGE_BASE: "Where moderately sensitive outputs are copied (level 4).",
  DOCKER_USER_ID: "The user id jobs run as (default: 10000 when the agent is root).",
  DOCKER_GROUP_ID: "The group id jobs run as (default: DOCKER_USER_ID).",
  DEFAULT_DATABASE_URL: "The URL of the backend's default database, given to database jobs.",
  TEMP_DATABASE_NAME: "The database for temporary tables, given to database jobs (a TPP-like backend).",
  EMIS_ORGANISATION_HASH: "The organisation hash given to database jobs (an EMIS-like backend).",
  PRESTO_TLS_KEY_PATH: "File whose text database jobs get as PRESTO_TLS_KEY; set with PRESTO_TLS_CERT_PATH.",
  PRESTO_TLS_CERT_PATH: "File whose text database jobs get as PRESTO_TLS_CERT; set with PRESTO_TLS_KEY_PATH.",
  LOG_LEVEL: "debug, info, warn or error.",
  LOGLEVEL: "Upstream's name for LOG_LEVEL.",
  RAP_CONTROLLER_URL: "The controller the operator commands call.",
  RAP_ADMIN_TOKEN: "The admin token (AdminService); unset disables the admin calls.",
  AGENT_METRICS_PORT: "Port of the agent's Prometheus /metrics endpoint (unset: none).",
  AGENT_METRICS_HOST: "Address of the agent's /metrics endpoint.",
  PULL_MISSING_IMAGES: "Pull an action image the runtime does not have.",
  DOCKER_PROXY:
    "Registry proxy the agent pulls and runs job images through: DOCKER_REGISTRY's prefix in an image is replaced by this one.",
  DATABASE_ACCESS_NETWORK: "The container network database jobs join.",
  HIGH_PRIVACY_VOLUME_DIR: "Where job volumes are prepared (default: under HIGH_PRIVACY_STORAGE_BASE).",
  HIGH_PRIVACY_ARCHIVE_DIR: "Where archived workspaces are (default: under HIGH_PRIVACY_STORAGE_BASE).",
  RAP_DEBUG: "Print the runtime commands `rap run` issues.",
  AGENT_SHUTDOWN_GRACE_SECONDS:
    "How long the first SIGTERM waits for tasks in hand to finish and be reported (`shutdown_grace_seconds`).",
  BACKUP_DIR: "Where scheduled database snapshots go (unset: no scheduled snapshots).",
  BACKUP_INTERVAL_SECONDS: "Seconds between two scheduled snapshots.",
  BACKUP_KEEP: "How many scheduled snapshots are kept (the oldest are deleted).",
  TLS_CERT_FILE:
    "The controller's certificate (PEM, with its chain): serve HTTPS with ALPN h2 and http/1.1. Reloaded when the file changes.",
  TLS_KEY_FILE: "The key of TLS_CERT_FILE (PEM). Reloaded when the file changes.",
  TLS_CLIENT_CA_FILE:
    "The CA that signs agents' client certificates: agents must then present one whose CN names their backend (mTLS).",
  AGENT_TLS_CA_FILE: "The CA that signed the controller's certificate (`tls.ca_file`; default: the system's CAs).",
  AGENT_TLS_CERT_FILE: "This agent's client certificate for mTLS, CN = its backend (`tls.cert_file`).",
  AGENT_TLS_KEY_FILE: "The key of AGENT_TLS_CERT_FILE (`tls.key_file`).",
};

const SOURCES: readonly Source[] = [
  { file: "controller/config.ts", title: "Controller", intro: "Read by `rap controller` and `rap all-in-one`." },
  {
    file: "agent/config.ts",
    title: "Agent",
    intro: "Read by `rap agent` (and the agent half of `rap all-in-one`); each also has a key in the AGENT_CONFIG file.",
  },
  { file: "cli/config.ts", title: "Command line", intro: "Read by the operator commands and `rap all-in-one`." },
  { file: "cli/run/config.ts", title: "rap run", intro: "Read by `rap run` (it also reads the controller's job settings)." },
];

interface Variable {
  readonly name: string;
  readonly field: string;
  readonly fallback: string;
  readonly line: number;
}

/** Field name -> the JSDoc text above `readonly field` in the file's interfaces. */
function fieldDocs(text: string): Map<string, string> {
  const docs = new Map<string, string>();
  for (const match of text.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*readonly (\w+)/g)) {
    const doc = (match[1] ?? "")
      .split("\n")
      .map((line) => line.replace(/^\s*\*?\s?/, "").trim())
      .filter(Boolean)
      .join(" ");
    if (match[2]) docs.set(match[2], doc);
  }
  return docs;
}

function variableName(raw: string): string {
  return raw.replace(/\$\{(?:prefix|slug\.toUpperCase\(\)|backend\.toUpperCase\(\))\}/g, "<BACKEND>");
}

/** The default written after the variable on its line: `?? "x"`, `|| "x"`, or number()'s third argument. */
function fallbackAfter(line: string, index: number, isNumber: boolean): string {
  const rest = line.slice(index);
  const numberDefault = /^\s*,\s*([^)]+)\)/.exec(rest);
  if (isNumber && numberDefault?.[1]) return numberDefault[1].trim();
  const literal = /^[^;]*?(?:\?\?|\|\|)\s*("[^"]*"|`[^`]*`|\d[\d_ *]*|true|false)/.exec(rest);
  return literal?.[1] ?? "";
}

export function variablesOf(text: string): Variable[] {
  const variables: Variable[] = [];
  const lines = text.split("\n");
  let field = "";
  lines.forEach((line, index) => {
    const key = /^\s*(?:readonly\s+)?(?:const\s+)?(\w+)(?::|\s*=)/.exec(line);
    if (key?.[1] && !line.trimStart().startsWith("//") && !line.trimStart().startsWith("*")) field = key[1];
    const pattern = /env\.([A-Z][A-Z0-9_]*)|env\[`([^`]+)`\]|number\(env, (?:"([A-Z0-9_]+)"|`([^`]+)`)/g;
    for (const match of line.matchAll(pattern)) {
      const raw = match[1] ?? match[2] ?? match[3] ?? match[4] ?? "";
      const name = variableName(raw);
      if (!/^[A-Z<]/.test(name)) continue;
      const end = (match.index ?? 0) + match[0].length;
      variables.push({ name, field, fallback: fallbackAfter(line, end, match[0].startsWith("number(")), line: index + 1 });
    }
  });
  return variables;
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

export function configReference(): string {
  let page = `# Configuration reference

<!-- Generated by scripts/config-reference.ts from the config code; do not edit by hand.
     Regenerate with: npm run docs:config -->

Every setting is an environment variable, read once at start by the service's \`config.ts\` (the
only files that read the environment). \`<BACKEND>\` stands for a backend's name in capitals, e.g.
\`TPP_CLIENT_TOKENS\`. "Default" is what the code uses when the variable is unset; an empty cell
means there is none (the setting is off, or comes from elsewhere as the description says).
`;
  for (const source of SOURCES) {
    const text = readFileSync(path.join(root, source.file), "utf8");
    const docs = fieldDocs(text);
    const seen = new Set<string>();
    const rows: string[] = [];
    for (const variable of variablesOf(text)) {
      if (seen.has(variable.name)) continue;
      seen.add(variable.name);
      const doc = docs.get(variable.field) ?? "";
      const what = doc || MEANINGS[variable.name] || `sets the config's \`${variable.field}\``;
      rows.push(`| \`${variable.name}\` | ${variable.fallback ? `\`${cell(variable.fallback)}\`` : ""} | ${cell(what)} |`);
    }
    page += `\n## ${source.title}\n\n${source.intro} Read in [\`${source.file}\`](../${source.file}).\n\n| variable | default | what it sets |\n| --- | --- | --- |\n${rows.join("\n")}\n`;
  }
  return page;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  writeFileSync(path.join(root, "docs/configuration.md"), configReference());
  process.stdout.write("wrote docs/configuration.md\n");
}
