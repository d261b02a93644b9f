/**
 * Redaction of container environment values before `docker inspect` output is stored in
 * metadata.json (reference §3.9). Values are kept only for variables known to be harmless;
 * every other variable shows as `KEY=xxxx-REDACTED-xxxx`, so database URLs and other secrets
 * injected at run time never reach disk or the controller.
 */

export const SAFE_ENVIRONMENT_VARIABLES: ReadonlySet<string> = new Set([
  "PATH",
  "PYTHON_VERSION",
  "DEBIAN_FRONTEND",
  "DEBCONF_NONINTERACTIVE_SEEN",
  "UBUNTU_VERSION",
  "PYENV_SHELL",
  "PYENV_VERSION",
  "PYTHONUNBUFFERED",
  "OPENSAFELY_BACKEND",
  "TZ",
  "TEMP_DATABASE_NAME",
  "PYTHONPATH",
  "container",
  "LANG",
  "LC_ALL",
  "EHRQL_PERMISSIONS",
]);

export const REDACTED_VALUE = "xxxx-REDACTED-xxxx";

/** Redacts one `KEY=value` line. A line without `=` is all key (and shown as `KEY=…` if unsafe). */
export function redactEnvLine(line: string): string {
  const equals = line.indexOf("=");
  const key = equals === -1 ? line : line.slice(0, equals);
  return SAFE_ENVIRONMENT_VARIABLES.has(key) ? line : `${key}=${REDACTED_VALUE}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Returns a deep copy of a raw `docker container inspect` object with `Config.Env` redacted. The
 * input is never modified.
 */
export function redactContainerInspect(inspect: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const copy = structuredClone(inspect) as Record<string, unknown>;
  const config = copy.Config;
  if (isRecord(config) && Array.isArray(config.Env)) {
    config.Env = config.Env.map((line: unknown) => (typeof line === "string" ? redactEnvLine(line) : REDACTED_VALUE));
  }
  return copy;
}
