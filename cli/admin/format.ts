/** Plain-text rendering for the admin subcommands: aligned tables, upstream's flag lines, times. */
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import type { AdminJob, Flag } from "../../gen/admin/v1/admin_pb.js";

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

/** Unix seconds as an ISO time; empty for 0 (not set). */
export function secondsIso(seconds: bigint): string {
  return seconds === 0n ? "" : `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}Z`;
}

export function jobsTable(jobs: readonly AdminJob[]): string {
  return table(
    ["ID", "BACKEND", "WORKSPACE", "ACTION", "STATE", "STATUS CODE", "CREATED"],
    jobs.map((job) => [job.id, job.backend, job.workspace, job.action, job.state, job.statusCode, secondsIso(job.createdAt)]),
  );
}
