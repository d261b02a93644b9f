/**
 * The controller's structured log (pino): one JSON object per line on stderr in services, or
 * pino-pretty's readable lines on a terminal. Lines about a job carry `job_id`, `rap_id` and
 * `task_id` as fields. Every configured secret (tokens, URLs with passwords) is masked in the
 * written line itself, whatever field or message it hid in, so none can reach a log file. JSON lines
 * are written asynchronously and flushed when the process exits.
 */
import { pino, stdSerializers, type DestinationStream } from "pino";
import pretty from "pino-pretty";
import { Writable } from "node:stream";
import { secretMasker } from "./log-secrets.js";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFormat = "json" | "pretty";

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  readonly level: LogLevel;
  /** JSON lines (default) or readable lines for a person at a terminal. */
  readonly format?: LogFormat;
  /** Values that must never appear in a line (replaced by `[REDACTED]`). */
  readonly secrets?: readonly string[];
  /** Where finished lines go (tests); stderr by default. */
  readonly write?: (line: string) => void;
}

function destination(options: LoggerOptions): DestinationStream {
  const write = options.write;
  if (options.format === "pretty") {
    const target = write ? lineStream(write) : undefined;
    return pretty({
      sync: true,
      colorize: write === undefined && process.stderr.isTTY,
      translateTime: "UTC:yyyy-mm-dd'T'HH:MM:ss.l'Z'",
      ignore: "pid,hostname",
      destination: target ?? 2,
    });
  }
  if (write) return { write: (line: string) => write(line.replace(/\n$/, "")) };
  // Asynchronous: a synchronous write to a pipe whose reader is slow (a log collector, a test
  // harness) gets EAGAIN, and sonic-boom then blocks the whole event loop for 100 ms per retry: in a
  // storm of 1,000 connecting agents, one "agent connected" line each, that was a third of the
  // controller's time. Lines are still written in order, as soon as the previous write is done;
  // pino flushes what is left synchronously when the process exits (process.exit included).
  return pino.destination({ fd: 2, sync: false });
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

export function createLogger(options: LoggerOptions, bound: Record<string, unknown> = {}): Logger {
  const mask = secretMasker(options.secrets ?? []);
  const base = pino(
    {
      level: options.level,
      base: bound,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Errors keep their type, stack and the whole chain of causes.
      serializers: { error: stdSerializers.errWithCause, err: stdSerializers.errWithCause },
      hooks: { streamWrite: mask },
    },
    destination(options),
  );
  return wrap(base);
}
