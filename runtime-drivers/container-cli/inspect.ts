/** `container inspect` JSON (docker's and podman's share these fields) as the facts the executor needs. */

export interface ContainerState {
  /** created, running, exited, … */
  readonly status: string;
  readonly running: boolean;
  readonly exitCode: number;
  readonly oomKilled: boolean;
  readonly startedAtNs: bigint | undefined;
  readonly finishedAtNs: bigint | undefined;
  readonly memoryLimitBytes: number;
  readonly imageId: string;
  readonly labels: Record<string, string>;
  readonly raw: Record<string, unknown>;
}

/**
 * RFC 3339 with nanoseconds (`2026-11-22T23:10:00.123456789Z`, or an offset) to unix ns. Go's zero
 * time (`0001-01-01T00:00:00Z`) means "never".
 */
export function parseTimestampNs(text: unknown): bigint | undefined {
  if (typeof text !== "string") return undefined;
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (!match) return undefined;
  const [, base = "", fraction = "", zone = "Z"] = match;
  const ms = Date.parse(`${base}${zone}`);
  if (!Number.isFinite(ms) || ms <= 0) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((fraction + "000000000").slice(0, 9));
}

const record = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

export function parseInspect(json: string): ContainerState {
  const parsed: unknown = JSON.parse(json);
  const raw = record(Array.isArray(parsed) ? parsed[0] : parsed);
  const state = record(raw.State);
  const labels = record(record(raw.Config).Labels);
  return {
    status: typeof state.Status === "string" ? state.Status : "unknown",
    running: state.Running === true,
    exitCode: typeof state.ExitCode === "number" ? state.ExitCode : -1,
    oomKilled: state.OOMKilled === true,
    startedAtNs: parseTimestampNs(state.StartedAt),
    finishedAtNs: parseTimestampNs(state.FinishedAt),
    memoryLimitBytes: typeof record(raw.HostConfig).Memory === "number" ? (record(raw.HostConfig).Memory as number) : 0,
    imageId: typeof raw.Image === "string" ? raw.Image : "",
    labels: Object.fromEntries(Object.entries(labels).map(([key, value]) => [key, String(value)])),
    raw,
  };
}
