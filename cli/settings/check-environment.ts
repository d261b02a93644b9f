/**
 * The start-up check of the environment's names: a variable that is not a setting but is one or
 * two letters away from one (`TEST_CLIENT_TOKEN` for `TEST_CLIENT_TOKENS`), or that starts with a
 * prefix we own (`RAP_`, `TLS_`, `AGENT_`) without being a setting, is an error naming it and the
 * setting it was probably meant to be. A misspelt token variable otherwise fails silently: the
 * backend simply has no client tokens.
 */
import { KNOWN_SETTINGS, OWNED_PREFIXES } from "./known-settings.js";

/** Edit distance (insertions, deletions, substitutions) between two names. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Short names get one edit of slack, longer ones two: PORT is not a misspelt HOST, nor PATH. */
function closeEnough(name: string, known: string): boolean {
  const limit = Math.min(name.length, known.length) >= 10 ? 2 : 1;
  return Math.abs(name.length - known.length) <= limit && editDistance(name, known) <= limit;
}

/** Kubernetes' service links (RAP_CONTROLLER_SERVICE_HOST, RAP_CONTROLLER_PORT_8000_TCP, …) are not ours to judge. */
function isServiceLink(name: string): boolean {
  return /_SERVICE_(HOST|PORT)(_\w+)?$|_PORT(_\d+_(TCP|UDP|SCTP)(_\w+)?)?$/.test(name);
}

export function knownNames(backends: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const setting of KNOWN_SETTINGS) {
    if (setting.startsWith("<BACKEND>")) {
      for (const slug of backends) names.add(setting.replace("<BACKEND>", slug.toUpperCase()));
    } else names.add(setting);
  }
  return names;
}

/** One message per suspicious variable, e.g. "TEST_CLIENT_TOKEN is not a setting; did you mean TEST_CLIENT_TOKENS?". */
export function misspeltSettings(env: Readonly<Record<string, string | undefined>>, backends: readonly string[]): string[] {
  const known = knownNames(backends);
  const problems: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (known.has(name) || env[name] === undefined || isServiceLink(name)) continue;
    const nearest = [...known].filter((candidate) => closeEnough(name, candidate)).sort();
    if (nearest.length > 0) problems.push(`${name} is not a setting; did you mean ${nearest.join(" or ")}?`);
    else if (OWNED_PREFIXES.some((prefix) => name.startsWith(prefix))) {
      problems.push(`${name} is not a setting (docs/configuration.md lists them all)`);
    }
  }
  return problems;
}
