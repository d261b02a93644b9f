/**
 * Which configured values are secrets, and the function that masks them in a finished log line.
 * Masking the written text (not named fields) catches a secret wherever it hides: in a message, an
 * error's text or stack, a URL. Both the raw value and its JSON-escaped form are masked.
 */
import type { ControllerConfig } from "./config.js";

export const REDACTED = "[REDACTED]";
/** Shorter values are not masked: they would mangle ordinary words, and no real token is this short. */
const MIN_SECRET_LENGTH = 6;
/**
 * With more secrets than this (a controller with an agent token per backend, hundreds of them),
 * lines are scanned once against an index instead of once per secret.
 */
const INDEXED_FROM = 32;

/** Every secret in the controller's configuration. */
export function controllerSecrets(config: ControllerConfig): string[] {
  return [
    ...config.clientTokens.keys(),
    ...config.backends.map((backend) => backend.agentToken ?? ""),
    config.adminToken ?? "",
    config.dashboardToken ?? "",
    config.privateRepoAccessToken,
    // A licence key passed to Stata jobs: as private as a token.
    config.stataLicense ?? "",
  ];
}

export function secretMasker(secrets: readonly string[]): (line: string) => string {
  const variants = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    variants.add(secret);
    variants.add(JSON.stringify(secret).slice(1, -1));
  }
  // Longest first, so a URL is masked whole before the password inside it.
  const ordered = [...variants].sort((a, b) => b.length - a.length);
  if (ordered.length === 0) return (line) => line;
  if (ordered.length > INDEXED_FROM) return indexedMasker(ordered);
  return (line) => {
    let masked = line;
    for (const secret of ordered) if (masked.includes(secret)) masked = masked.split(secret).join(REDACTED);
    return masked;
  };
}

/**
 * One pass over the line: at each position, the secrets that start with the next few characters
 * (longest first) are tried, and the first that matches is masked whole. The cost is that of the
 * line, not of the number of secrets.
 */
function indexedMasker(longestFirst: readonly string[]): (line: string) => string {
  const byPrefix = new Map<string, string[]>();
  for (const secret of longestFirst) {
    const prefix = secret.slice(0, MIN_SECRET_LENGTH);
    const list = byPrefix.get(prefix);
    if (list) list.push(secret);
    else byPrefix.set(prefix, [secret]);
  }
  return (line) => {
    let masked = "";
    let copied = 0;
    for (let at = 0; at + MIN_SECRET_LENGTH <= line.length;) {
      const found = byPrefix.get(line.slice(at, at + MIN_SECRET_LENGTH))?.find((secret) => line.startsWith(secret, at));
      if (found === undefined) {
        at++;
        continue;
      }
      masked += line.slice(copied, at) + REDACTED;
      at += found.length;
      copied = at;
    }
    return copied === 0 ? line : masked + line.slice(copied);
  };
}
