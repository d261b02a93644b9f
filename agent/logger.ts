/**
 * The agent's operational log (pino): JSON lines on stderr in services, readable lines on a terminal.
 * Job output never goes here; it stays in each job's logs.txt on the backend. Lines about a job
 * carry `job_id`, `task_id` (and `rap_id` where known). Configured secrets (the agent token,
 * database URLs and their passwords) are masked in every written line. (A twin of the controller's
 * logger by design: the two deploy separately and share only the .proto contract.)
 */
import { pino, stdSerializers, type DestinationStream } from "pino";
import pretty from "pino-pretty";
import { Writable } from "node:stream";
import type { Logger as DriverLogger } from "../runtime-drivers/index.js";
import { secretMasker } from "./log-secrets.js";

export interface Logger extends DriverLogger {
  child(fields: Record<string, unknown>): Logger;
}

type Level = "debug" | "info" | "warn" | "error";

export interface AgentLoggerOptions {
  readonly format?: "json" | "pretty" | undefined;
  readonly secrets?: readonly string[];
}

function destination(format: AgentLoggerOptions["format"], sink: ((line: string) => void) | undefined): DestinationStream {
  const target = sink ? lineStream(sink) : undefined;
  if (format === "pretty") {
    return pretty({
      sync: true,
      colorize: sink === undefined && process.stderr.isTTY,
      translateTime: "UTC:yyyy-mm-dd'T'HH:MM:ss.l'Z'",
      ignore: "pid,hostname",
      destination: target ?? 2,
    });
  }
  return target ?? pino.destination({ fd: 2, sync: true });
}

/** A stream handing each finished line (without its newline) to `write`. */
function lineStream(write: (line: string) => void): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      for (const line of String(chunk).split("\n")) if (line !== "") write(line);
      done();
    },
  });
}

function wrap(base: pino.Logger): Logger {
  return {
    debug: (message, fields) => base.debug(fields ?? {}, message),
    info: (message, fields) => base.info(fields ?? {}, message),
    warn: (message, fields) => base.warn(fields ?? {}, message),
    error: (message, fields) => base.error(fields ?? {}, message),
    child: (fields) => wrap(base.child(fields)),
  };
}

export function createAgentLogger(
  level: Level,
  fields: Record<string, unknown> = {},
  sink?: (line: string) => void,
  options: AgentLoggerOptions = {},
): Logger {
  const base = pino(
    {
      level,
      base: fields,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Errors keep their type, stack and the whole chain of causes.
      serializers: { error: stdSerializers.errWithCause, err: stdSerializers.errWithCause },
      hooks: { streamWrite: secretMasker(options.secrets ?? []) },
    },
    destination(options.format, sink),
  );
  return wrap(base);
}
