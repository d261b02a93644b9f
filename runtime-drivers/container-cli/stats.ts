/**
 * One `stats --no-stream` sample per job container. docker prints one JSON object per line with
 * `Name`/`CPUPerc`/`MemUsage`; podman prints a JSON array with `name`/`cpu_percent`/`mem_usage`.
 */

export interface ContainerSample {
  readonly name: string;
  readonly containerId: string;
  readonly cpuPercent: number;
  readonly memoryBytes: number;
}

const UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** `876KiB / 23.54GiB` -> bytes used (the first figure). */
export function parseMemoryUsage(text: string): number {
  const match = /^\s*([\d.]+)\s*([a-zA-Z]+)/.exec(text);
  if (!match) return 0;
  return Number(match[1]) * (UNITS[(match[2] ?? "b").toLowerCase()] ?? 1);
}

function field(record: Record<string, unknown>, ...names: string[]): string {
  for (const name of names) if (typeof record[name] === "string") return record[name];
  return "";
}

export function parseStats(output: string): ContainerSample[] {
  const trimmed = output.trim();
  if (!trimmed) return [];
  const records: unknown[] = trimmed.startsWith("[")
    ? (JSON.parse(trimmed) as unknown[])
    : trimmed.split("\n").map((line) => JSON.parse(line) as unknown);
  return records
    .filter((record): record is Record<string, unknown> => record !== null && typeof record === "object")
    .map((record) => ({
      name: field(record, "Name", "name"),
      containerId: field(record, "ID", "id"),
      cpuPercent: Number.parseFloat(field(record, "CPUPerc", "cpu_percent")) || 0,
      memoryBytes: parseMemoryUsage(field(record, "MemUsage", "mem_usage")),
    }));
}
