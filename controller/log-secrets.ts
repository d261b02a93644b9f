/**
 * Which configured values are secrets, and the function that masks them in a finished log line.
 * Masking the written text (not named fields) catches a secret wherever it hides: in a message, an
 * error's text or stack, a URL. Both the raw value and its JSON-escaped form are masked.
 */
import type { ControllerConfig } from "./config.js";

export const REDACTED = "[REDACTED]";
/** Shorter values are not masked: they would mangle ordinary words, and no real token is this short. */
const MIN_SECRET_LENGTH = 6;

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
  return (line) => {
    let masked = line;
    for (const secret of ordered) if (masked.includes(secret)) masked = masked.split(secret).join(REDACTED);
    return masked;
  };
}
