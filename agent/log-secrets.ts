/**
 * Which agent settings are secrets, and the function that masks them in a finished log line. The
 * written text is masked (not named fields), so a secret is caught wherever it hides: a message, an
 * error's text or stack, a URL. (The controller has its own twin; they share no code by design.)
 */
import type { AgentConfig } from "./config.js";

export const REDACTED = "[REDACTED]";
/** Shorter values are not masked: they would mangle ordinary words, and no real secret is this short. */
const MIN_SECRET_LENGTH = 6;

/** A database URL's secret parts: the whole URL and its password. */
function urlSecrets(url: string): string[] {
  try {
    const parsed = new URL(url);
    return [url, parsed.password, decodeURIComponent(parsed.password)].filter((part) => part !== "");
  } catch {
    return [url];
  }
}

/** A PEM file's secret parts: the whole text and each line of its body (a log may quote one line). */
function pemSecrets(text: string | undefined): string[] {
  if (text === undefined) return [];
  return [text, text.trim(), ...text.split("\n").filter((line) => line !== "" && !line.startsWith("-----"))];
}

export function agentSecrets(config: AgentConfig): string[] {
  const database = config.databaseSecrets;
  return [
    config.token,
    config.privateRepoAccessToken ?? "",
    ...Object.values(config.databaseUrls).flatMap(urlSecrets),
    database.tempDatabaseName ?? "",
    database.emisOrganisationHash ?? "",
    ...pemSecrets(database.prestoTls?.key),
    ...pemSecrets(database.prestoTls?.cert),
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
