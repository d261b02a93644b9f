/**
 * Span and trace ids for the tracer provider, with one twist: the JOB root span of a job is emitted
 * when the job ends, yet it must carry the ids stored in the job's trace_context at creation (every
 * status span already names it as parent). `withIds` makes the next span started get those ids;
 * every other span gets random ones. (Upstream patches the span's context after creating it; the
 * SDK here offers its id generator as the clean hook.)
 */
import { randomBytes } from "node:crypto";
import type { IdGenerator } from "@opentelemetry/sdk-trace-base";

export class JobSpanIds implements IdGenerator {
  private pending: { traceId: string; spanId: string } | undefined;

  generateTraceId(): string {
    return this.pending?.traceId ?? randomBytes(16).toString("hex");
  }

  generateSpanId(): string {
    return this.pending?.spanId ?? randomBytes(8).toString("hex");
  }

  /** Runs `start` (which starts exactly one span, synchronously) with the given ids. */
  withIds<T>(ids: { traceId: string; spanId: string }, start: () => T): T {
    this.pending = ids;
    try {
      return start();
    } finally {
      this.pending = undefined;
    }
  }
}
