/** Upstream's id formats, which job-server stores and shows (reference/jobrunner.md §2.2, §3.5). */
import { createHash, randomBytes } from "node:crypto";

const BASE32_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

/** RFC 4648 base32 without padding, lower-case (what Python's b32encode gives, lowered). */
export function base32Lower(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** Deterministic job id: base32 of the first 10 bytes of SHA-1("<rap_id>\n<action>"). */
export function jobId(rapId: string, action: string): string {
  const digest = createHash("sha1").update(`${rapId}\n${action}`).digest();
  return base32Lower(digest.subarray(0, 10));
}

/** A random 16-character id in the same alphabet (rap ids made by `add-job`). */
export function randomId(): string {
  return base32Lower(randomBytes(10));
}

/** RUNJOB task id: `<job id>-NNN`, 1-based attempt, so ids sort in creation order. */
export function runJobTaskId(jobIdValue: string, attempt: number): string {
  return `${jobIdValue}-${String(attempt).padStart(3, "0")}`;
}

export function cancelTaskId(runJobTaskIdValue: string): string {
  return `${runJobTaskIdValue}-cancel`;
}

/** A fresh W3C trace context carrier for a new job's trace root. */
export function newTraceContext(): Record<string, string> {
  return { traceparent: `00-${randomBytes(16).toString("hex")}-${randomBytes(8).toString("hex")}-01` };
}
