/**
 * A job's trace, shaped as upstream job-runner's (controller/tracing.py): the job's trace context is
 * made at creation and names a root span `JOB`; each status code the job leaves becomes a child span
 * named after the code (upper case, as upstream's enum names), from when the job entered it to when
 * it left; a final status gets a 1-second marker span; and when the job ends the `JOB` root span
 * itself is sent, from creation to the end, with the ids stored at creation. Every span carries
 * upstream's `job.*` attributes. Tracing failures are logged and never touch the job.
 */
import { ROOT_CONTEXT, SpanStatusCode, trace, TraceFlags, type Attributes, type TracerProvider } from "@opentelemetry/api";
import type { Job } from "../jobs/job.js";
import { FINAL_CODES } from "../jobs/status.js";
import type { Logger } from "../logger.js";
import type { JobSpanIds } from "./job-span-ids.js";

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The root span's ids from a stored trace context, if it holds a valid traceparent. */
export function rootIds(job: Pick<Job, "traceContext">): { traceId: string; spanId: string; flags: number } | undefined {
  const match = TRACEPARENT.exec(job.traceContext.traceparent ?? "");
  if (!match) return undefined;
  return { traceId: match[1]!, spanId: match[2]!, flags: Number.parseInt(match[3]!, 16) };
}

/** Upstream's trace_attributes: every span of a job carries all of them. */
export function jobAttributes(job: Job): Attributes {
  const attributes: Attributes = {
    "rap.backend": job.backend,
    "job.backend": job.backend,
    "job.id": job.id,
    "job.request": job.rapId,
    "job.workspace": job.workspace,
    "job.action": job.action,
    "job.commit": job.commit,
    "job.run_command": job.runCommand,
    "job.user": job.user || "unknown",
    "job.project": job.project || "unknown",
    "job.orgs": job.orgs.join(","),
    "job.state": job.state.toUpperCase(),
    "job.message": job.statusMessage,
    "job.created_at": job.createdAt * 1e9,
    "job.status_code_updated_at": job.statusCodeUpdatedAtMs * 1e6,
    "job.requires_db": job.requiresDb,
  };
  if (job.startedAt !== null) attributes["job.started_at"] = job.startedAt * 1e9;
  if (job.actionRepoUrl) attributes["job.reusable_action"] = job.actionRepoUrl + (job.actionCommit ? `:${job.actionCommit}` : "");
  return attributes;
}

export class JobTracing {
  private readonly tracer;

  constructor(
    provider: TracerProvider,
    private readonly ids: JobSpanIds | undefined,
    private readonly log: Logger,
  ) {
    this.tracer = provider.getTracer("jobs");
  }

  /** The job's status changed from `previous`: trace the state it left (and its end, if final). */
  jobChanged(job: Job, previous: Job): void {
    if (job.statusCode === previous.statusCode) return;
    try {
      const root = rootIds(job);
      if (!root) return; // a job from before tracing existed
      const parent = trace.setSpanContext(ROOT_CONTEXT, {
        traceId: root.traceId,
        spanId: root.spanId,
        traceFlags: root.flags & TraceFlags.SAMPLED,
        isRemote: false,
      });
      this.span(previous.statusCode, previous, previous.statusCodeUpdatedAtMs, job.statusCodeUpdatedAtMs, parent);
      if (!FINAL_CODES.has(job.statusCode)) return;
      const extra = { "job.succeeded": job.statusCode === "succeeded" };
      // A final status has no duration: a 1-second marker, as upstream.
      this.span(job.statusCode, job, job.statusCodeUpdatedAtMs, job.statusCodeUpdatedAtMs + 1000, parent, extra);
      this.rootSpan(job, root, extra);
    } catch (error) {
      this.log.warn("could not trace job", { job_id: job.id, rap_id: job.rapId, error });
    }
  }

  private span(
    code: string,
    job: Job,
    startMs: number,
    endMs: number,
    parent: ReturnType<typeof trace.setSpanContext>,
    extra: Attributes = {},
  ) {
    const span = this.tracer.startSpan(
      code.toUpperCase(),
      { startTime: startMs, attributes: { ...extra, ...jobAttributes(job) } },
      parent,
    );
    if (job.statusCode === "internal_error")
      span.setStatus({ code: SpanStatusCode.ERROR, message: job.statusMessage || "internal error" });
    span.end(Math.max(endMs, startMs));
  }

  private rootSpan(job: Job, root: { traceId: string; spanId: string }, extra: Attributes): void {
    // Trace vanity, as upstream: the job starts 1 µs before its creation, so it sorts first.
    const start: [number, number] = [job.createdAt - 1, 999_999_000];
    const startSpan = () =>
      this.tracer.startSpan("JOB", { root: true, startTime: start, attributes: { ...extra, ...jobAttributes(job) } });
    const span = this.ids ? this.ids.withIds(root, startSpan) : startSpan();
    if (span.spanContext().spanId !== root.spanId && span.isRecording()) {
      this.log.warn("JOB span could not take the job's stored ids (tracer provider without JobSpanIds)", { job_id: job.id });
    }
    if (job.statusCode === "internal_error")
      span.setStatus({ code: SpanStatusCode.ERROR, message: job.statusMessage || "internal error" });
    span.end(job.statusCodeUpdatedAtMs);
  }
}
