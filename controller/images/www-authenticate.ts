/**
 * The parameters of a `WWW-Authenticate: Bearer realm="…",service="…",scope="…"` challenge, which a
 * registry sends to an anonymous client to say where to fetch a token (the Docker registry token
 * protocol; ghcr.io asks for one even for public images). Hand-written because no maintained
 * library parses just this header, and the grammar needed is small: comma-separated `key=value`
 * pairs, values quoted with backslash escapes or bare tokens.
 */
export interface BearerChallenge {
  readonly realm: string;
  readonly params: Readonly<Record<string, string>>;
}

export function parseBearerChallenge(header: string): BearerChallenge | undefined {
  const match = /^\s*bearer\s+/i.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  const pair = /\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*(?:,|$)/y;
  pair.lastIndex = match[0].length;
  let found: RegExpExecArray | null;
  while (pair.lastIndex < header.length && (found = pair.exec(header)) !== null) {
    const [, key = "", quoted, bare] = found;
    params[key.toLowerCase()] = quoted !== undefined ? quoted.replace(/\\(.)/g, "$1") : (bare ?? "");
  }
  const { realm, ...rest } = params;
  if (realm === undefined || realm === "") return undefined;
  return { realm, params: rest };
}
