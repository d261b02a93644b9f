/**
 * The agent's operational log: one line per event on stderr. Job output never goes here; it stays
 * in each job's logs.txt on the backend. (A twin of the controller's logger by design: the two
 * deploy separately and share only the .proto contract.)
 */
import type { Logger as DriverLogger } from "../runtime-drivers/index.js";

export interface Logger extends DriverLogger {
  child(fields: Record<string, unknown>): Logger;
}

type Level = "debug" | "info" | "warn" | "error";
const RANK: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

function render(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(value.message);
  if (typeof value === "string" && !/[\s"=]/.test(value)) return value;
  return JSON.stringify(value) ?? "undefined";
}

export function createAgentLogger(
  level: Level,
  fields: Record<string, unknown> = {},
  sink = (line: string) => process.stderr.write(`${line}\n`),
): Logger {
  const at = (lineLevel: Level) => (message: string, extra?: Record<string, unknown>) => {
    if (RANK[lineLevel] < RANK[level]) return;
    const pairs = Object.entries({ ...fields, ...extra }).filter(([, v]) => v !== undefined);
    sink([new Date().toISOString(), lineLevel.toUpperCase(), message, ...pairs.map(([k, v]) => `${k}=${render(v)}`)].join(" "));
  };
  return {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: (more) => createAgentLogger(level, { ...fields, ...more }, sink),
  };
}
