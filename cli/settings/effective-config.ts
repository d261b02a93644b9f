/**
 * The effective configuration as `rap config check` prints it: every setting after defaults, with
 * secrets (tokens, licences, database URLs) masked so the output can be pasted into a ticket.
 */
import type { AgentConfig } from "../../agent/config.js";
import type { ControllerConfig } from "../../controller/config.js";

const MASK = "********";
const SECRET_FIELDS = new Set(["agentToken", "token", "adminToken", "privateRepoAccessToken", "dashboardToken", "stataLicense"]);

function masked(key: string, value: unknown): unknown {
  if (value === undefined || value === null || value === "") return value;
  if (SECRET_FIELDS.has(key)) return MASK;
  // Database URLs carry the password.
  if (key === "databaseUrls") return Object.fromEntries(Object.keys(value).map((name) => [name, MASK]));
  if (value instanceof Map)
    return Object.fromEntries([...value.entries()].map(([, backends], index) => [`token ${index + 1}`, backends]));
  if (Array.isArray(value)) return value.map((item) => masked("", item));
  if (typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([field, inner]) => [field, masked(field, inner)]));
  }
  return value;
}

/** The config as plain JSON-able data, secrets masked, the captured child environment left out. */
export function effectiveConfig(config: ControllerConfig | AgentConfig): Record<string, unknown> {
  const shown: Record<string, unknown> = { ...config };
  delete shown.childEnv;
  return masked("", shown) as Record<string, unknown>;
}
