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
