/** Kubernetes resource quantities (`250m`, `1.5`, `512Mi`, `1G`) to numbers, and back for limits. */

const BINARY: Readonly<Record<string, number>> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Readonly<Record<string, number>> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

function parseQuantity(text: string): number {
  const match = /^\s*([+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!match) return Number.NaN;
  const value = Number(match[1]);
  const suffix = match[2] ?? "";
  const factor = BINARY[suffix] ?? DECIMAL[suffix];
  return factor === undefined ? Number.NaN : value * factor;
}

/** `250m` -> 0.25 cores; `123456789n` -> 0.123456789. NaN counts as 0. */
export function parseCpuQuantity(text: string): number {
  const value = parseQuantity(text);
  return Number.isFinite(value) ? value : 0;
}

/** `512Mi` -> 536870912 bytes. NaN counts as 0. */
export function parseMemoryQuantity(text: string): number {
  const value = parseQuantity(text);
  return Number.isFinite(value) ? Math.round(value) : 0;
}

/**
 * A job definition's memory limit (docker's syntax: `64m`, `4g`, `512k`, bytes) as a Kubernetes
 * quantity; docker's units are binary, so `64m` is `64Mi`. Undefined for an empty or unknown value.
 */
export function memoryLimitQuantity(limit: string | undefined): string | undefined {
  if (!limit) return undefined;
  const match = /^\s*(\d+)\s*([bkmgt]?)b?\s*$/i.exec(limit);
  if (!match) return /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/.test(limit.trim()) ? limit.trim() : undefined;
  const unit = (match[2] ?? "").toLowerCase();
  const suffix = unit === "" || unit === "b" ? "" : `${unit.toUpperCase()}i`;
  return `${match[1]}${suffix}`;
}

/** A CPU count (`2`, `0.5`) as a Kubernetes quantity in millicores; undefined for none. */
export function cpuQuantity(count: string | undefined): string | undefined {
  if (!count) return undefined;
  const value = Number(count);
  if (!Number.isFinite(value) || value <= 0) return undefined;
  return `${Math.max(1, Math.round(value * 1000))}m`;
}
