/** Times and durations as a person reads them on the dashboard. */

/** `2026-12-02 03:40:12` in UTC, or "–" for 0 (not yet). */
export function utc(unixMs: bigint): string {
  if (unixMs === 0n) return "–";
  return new Date(Number(unixMs)).toISOString().slice(0, 19).replace("T", " ");
}

/** `4 s`, `3 min 5 s`, `2 h 10 min`. */
export function duration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** `12 s ago`; "never" for 0. */
export function ago(unixMs: bigint, nowMs: number): string {
  if (unixMs === 0n) return "never";
  return `${duration(nowMs - Number(unixMs))} ago`;
}
