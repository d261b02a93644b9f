/**
 * Plain-text rendering for the admin subcommands: aligned tables that fit a width, upstream's flag
 * lines, and times (relative ages for people, ISO 8601 for scripts).
 */
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import type { Flag } from "../../gen/admin/v1/admin_pb.js";

/** Columns padded to their widest cell, two spaces apart, no trailing blanks. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].map((text) => `${text}\n`).join("");
}

/** `text` cut to `width` characters, the last one an ellipsis when something was cut. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return "";
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/** Python's `datetime.utcfromtimestamp(ts).isoformat() + "Z"`: microseconds only when non-zero. */
export function pythonIso(timestamp: Timestamp): string {
  const micros = Math.round(timestamp.nanos / 1000);
  const base = new Date(Number(timestamp.seconds) * 1000).toISOString().slice(0, 19);
  return micros === 0 ? `${base}Z` : `${base}.${String(micros).padStart(6, "0")}Z`;
}

/** Upstream's printed form of a flag: `[<backend>] <id>=<value> (<iso timestamp>|never set)`. */
export function flagLine(flag: Flag): string {
  const when = flag.changedAt ? pythonIso(flag.changedAt) : "never set";
  return `[${flag.backend}] ${flag.id}=${flag.value ?? "None"} (${when})`;
}

/** Unix seconds as ISO 8601 to the second; empty for 0 (not set). */
export function secondsIso(seconds: bigint | number): string {
  return Number(seconds) === 0 ? "" : `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}Z`;
}

/** A short age: `12s`, `5m`, `3h`, `1h59m`, `2d`, `2d5h` (never negative: a clock a little ahead shows `0s`). */
export function age(seconds: bigint | number, now: Date): string {
  const elapsed = Math.max(0, Math.floor(now.getTime() / 1000 - Number(seconds)));
  if (elapsed < 60) return `${elapsed}s`;
  if (elapsed < 3600) return `${Math.floor(elapsed / 60)}m`;
  const two = (big: number, bigUnit: string, small: number, smallUnit: string) =>
    `${big}${bigUnit}${small > 0 ? `${small}${smallUnit}` : ""}`;
  if (elapsed < 86_400) return two(Math.floor(elapsed / 3600), "h", Math.floor((elapsed % 3600) / 60), "m");
  return two(Math.floor(elapsed / 86_400), "d", Math.floor((elapsed % 86_400) / 3600), "h");
}

/** A time for people: `5m ago` on a terminal, ISO 8601 otherwise; empty when not set. */
export function whenCell(seconds: bigint | number, now: Date, terminal: boolean): string {
  if (Number(seconds) === 0) return "";
  return terminal ? `${age(seconds, now)} ago` : secondsIso(seconds);
}

export function timestampSeconds(timestamp: Timestamp | undefined): number {
  return timestamp ? Number(timestamp.seconds) + timestamp.nanos / 1e9 : 0;
}

export function timeCell(timestamp: Timestamp | undefined, now: Date, terminal: boolean): string {
  return whenCell(Math.floor(timestampSeconds(timestamp)), now, terminal);
}
