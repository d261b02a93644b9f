/**
 * The agent's spans, joined to the job's trace through the trace context the controller put in the
 * task: a span per job task (`RUNJOB` / `CANCELJOB`) for as long as the agent handles it, and under
 * it a span per executor step (`prepare`, `execute`, `wait_for_exit`, `finalize`, `terminate`,
 * `cleanup`). Attributes follow upstream's agent (`job.*` of the definition, `task.*` of the task).
 */
import {
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Span,
  type TracerProvider,
} from "@opentelemetry/api";
import { TaskType, type Task } from "../../gen/agent/v1/agent_pb.js";
import type { JobDefinition } from "../../runtime-drivers/index.js";

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
/** Executor operations that become spans (status reads and housekeeping do not). */
const TRACED: Readonly<Record<string, string>> = {
  prepare: "prepare",
  execute: "execute",
  waitForExit: "wait_for_exit",
  finalize: "finalize",
  terminate: "terminate",
  cleanup: "cleanup",
};

function parentContext(traceContext: Readonly<Record<string, string>>): Context | undefined {
  const match = TRACEPARENT.exec(traceContext.traceparent ?? "");
  if (!match) return undefined;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: match[1]!,
    spanId: match[2]!,
    traceFlags: Number.parseInt(match[3]!, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  });
}

function jobAttributes(backend: string, job: JobDefinition): Attributes {
  return {
    "rap.backend": backend,
    "job.id": job.id,
    "job.request": job.rapId,
    "job.workspace": job.workspace,
    "job.action": job.action,
    "job.repo_url": job.study.gitRepoUrl,
    "job.commit": job.study.commit,
    "job.created_at": job.createdAt * 1e9,
    "job.image": job.image,
    "job.args": job.args.join(","),
    "job.input_job_ids": job.inputJobIds.join(","),
    "job.allow_database_access": job.allowDatabaseAccess,
    "job.cpu_count": job.cpuCount ?? "",
    "job.memory_limit": job.memoryLimit ?? "",
  };
}

export class AgentTracing {
  private readonly tracer;
  /** The open task span of each job being handled, parent of its executor steps. */
  private readonly taskSpans = new Map<string, { span: Span; context: Context; attributes: Attributes }>();

  constructor(
    provider: TracerProvider,
    private readonly backend: string,
  ) {
    this.tracer = provider.getTracer("agent");
  }

  /** A job task's handler starts; returns the function that ends its span. */
  jobTask(task: Task, job: JobDefinition, traceContext: Readonly<Record<string, string>>): () => void {
    const parent = parentContext(traceContext);
    if (!parent) return () => undefined;
    const attributes: Attributes = {
      ...jobAttributes(this.backend, job),
      "task.id": task.id,
      "task.type": TaskType[task.type],
      "task.created_at": Number(task.createdAt) * 1e9,
      ...Object.fromEntries(Object.entries(task.attributes).map(([key, value]) => [`task.${key}`, value])),
    };
    const span = this.tracer.startSpan(TaskType[task.type], { attributes }, parent);
    const entry = { span, context: trace.setSpan(parent, span), attributes };
    this.taskSpans.set(job.id, entry);
    return () => {
      if (this.taskSpans.get(job.id) === entry) this.taskSpans.delete(job.id);
      span.end();
    };
  }

  /** Wraps one executor call in a span under its job's task span (or runs it plain). */
  async step<T>(operation: string, jobId: string | undefined, run: () => Promise<T>): Promise<T> {
    const name = TRACED[operation];
    const task = jobId === undefined ? undefined : this.taskSpans.get(jobId);
    if (!name || !task) return run();
    const span = this.tracer.startSpan(name, { attributes: task.attributes }, task.context);
    try {
      const result = await run();
      const state = (result as { state?: unknown } | undefined)?.state;
      if (typeof state === "string") span.setAttribute("job.executor_state", state);
      return result;
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  }
}
