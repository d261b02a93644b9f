/** Token comparison in constant time (upstream uses a plain lookup). */
import { createHash, timingSafeEqual } from "node:crypto";

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

export function tokensEqual(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

/** The token in an Authorization header: the raw value (upstream's form) or `Bearer <token>`. */
export function tokenFromHeader(header: string | null | undefined): string | undefined {
  if (header === null || header === undefined) return undefined;
  const value = header.trim();
  if (value === "") return undefined;
  return value.startsWith("Bearer ") ? value.slice("Bearer ".length).trim() : value;
}

/**
 * Finds the owner of a presented token by the token's digest: one hash and one map lookup, not a
 * comparison against every backend's token (1,000 agents connecting at once would scan 1,000 each).
 * Comparing digests leaks nothing about the tokens themselves.
 */
export class TokenIndex<Owner> {
  private readonly owners = new Map<string, Owner>();

  constructor(entries: Iterable<readonly [token: string, owner: Owner]>) {
    for (const [token, owner] of entries) this.owners.set(digest(token).toString("hex"), owner);
  }

  find(presented: string): Owner | undefined {
    return this.owners.get(digest(presented).toString("hex"));
  }
}
