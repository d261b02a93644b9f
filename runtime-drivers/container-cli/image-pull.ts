/**
 * Getting a job's image onto the host by digest (upstream's ensure_docker_sha_present): pull
 * `name:tag@sha256:…` through the configured registry proxy, tried three times a second apart (a
 * registry hiccup should not fail a job), then move the local tags to it when it is newer than what
 * they name, so that people and tag-based runs on the host see the image the backend now runs.
 * Tags never move backwards: a job given an older digest leaves them where they are.
 */
import { setTimeout as delay } from "node:timers/promises";
import { CommandError, type CommandResult } from "../exec.js";
import * as argv from "./argv.js";

export const PULL_ATTEMPTS = 3;
const PULL_RETRY_DELAY_MS = 1_000;

export type RunCli = (args: string[], options: { signal: AbortSignal; timeoutMs?: number }) => Promise<CommandResult>;

export interface PullOutcome {
  readonly ok: boolean;
  /** The last attempt's error output, for the job's error message. */
  readonly error: string;
}

export async function pullWithRetries(cli: RunCli, image: string, timeoutMs: number, signal: AbortSignal): Promise<PullOutcome> {
  let error = "";
  for (let attempt = 1; attempt <= PULL_ATTEMPTS; attempt++) {
    try {
      const pulled = await cli(argv.pullArgv(image), { signal, timeoutMs });
      if (pulled.exitCode === 0) return { ok: true, error: "" };
      error = pulled.stderr.trim() || `exit code ${pulled.exitCode}`;
    } catch (caught) {
      // A timed-out attempt is a failed attempt; the agent stopping is not.
      if (signal.aborted || !(caught instanceof CommandError)) throw caught;
      error = caught.message;
    }
    if (attempt < PULL_ATTEMPTS) await delay(PULL_RETRY_DELAY_MS, undefined, { signal });
  }
  return { ok: false, error };
}

/**
 * An image's creation time in nanoseconds since the epoch, from `image inspect`'s Created: docker
 * prints RFC 3339 (`2026-12-03T14:40:24.726444111Z`), podman Go's default layout
 * (`2026-12-03 14:40:24.726444111 +0000 UTC`). Nanoseconds, because images built in one second
 * must still be ordered.
 */
export function createdNanos(text: string): bigint | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?\s*(Z|[+-]\d{2}:?\d{2})?/.exec(text.trim());
  if (!match) return undefined;
  const [, date, time, fraction = "", zone = "Z"] = match;
  const offset = zone === "Z" ? "Z" : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const ms = Date.parse(`${date}T${time}${offset}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt(fraction.padEnd(9, "0"));
}

async function created(cli: RunCli, image: string, signal: AbortSignal): Promise<bigint | undefined> {
  const inspected = await cli(argv.imageCreatedArgv(image), { signal });
  return inspected.exitCode === 0 ? createdNanos(inspected.stdout) : undefined;
}

/** Points each tag at the pulled digest when it names nothing yet or an older image; returns the tags moved. */
export async function moveTagsForward(
  cli: RunCli,
  digestRef: string,
  tags: readonly string[],
  signal: AbortSignal,
): Promise<string[]> {
  const pulledAt = await created(cli, digestRef, signal);
  if (pulledAt === undefined) return [];
  const moved: string[] = [];
  for (const tag of new Set(tags)) {
    const current = await created(cli, tag, signal);
    if (current !== undefined && current >= pulledAt) continue;
    const tagged = await cli(argv.tagArgv(digestRef, tag), { signal });
    if (tagged.exitCode === 0) moved.push(tag);
  }
  return moved;
}
