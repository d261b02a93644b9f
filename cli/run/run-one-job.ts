/**
 * Runs one planned job through the executor exactly as the agent's RUNJOB handler does (prepare,
 * execute, wait, finalize, then clean up), while its output streams to the terminal. The outcome
 * is decided from the job's results by the controller's own rule, so a local run and a backend run
 * give a study the same codes and messages.
 */
import type { Job } from "../../controller/jobs/job.js";
import { MESSAGES, type StatusCode } from "../../controller/jobs/status.js";
import { outcomeOf } from "../../controller/scheduling/outcome.js";
import { create } from "@bufbuild/protobuf";
import { jobTaskResult, STAGES } from "../../agent/convert.js";
import { reportFromProto } from "../../controller/agents/agent-convert.js";
import { TaskUpdateSchema } from "../../gen/agent/v1/agent_pb.js";
import type { Executor, JobDefinition, JobStatus } from "../../runtime-drivers/index.js";
import { LineSplitter } from "./line-splitter.js";

export interface JobOutcome {
  readonly state: "succeeded" | "failed";
  readonly statusCode: StatusCode;
  readonly statusMessage: string;
  readonly outputs: readonly string[];
  readonly startedAtMs: number;
  readonly completedAtMs: number;
  /** Whether the job's log reached `metadata/<action>.log` (a normal finalize). */
  readonly logWritten: boolean;
}

export class InterruptedError extends Error {
  override readonly name = "InterruptedError";
}

/** How long to let the live follower drain after the container stopped before cutting it off. */
const FOLLOWER_DRAIN_MS = 10_000;

async function follow(executor: Executor, jobId: string, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
  if (!executor.streamLogs) return;
  const splitter = new LineSplitter(onLine);
  try {
    for await (const chunk of executor.streamLogs(jobId, { follow: true }, signal)) splitter.push(chunk);
  } catch (error) {
    if (!signal.aborted) throw error;
  } finally {
    splitter.end();
  }
}

/** Waits for `work`, or aborts `controller` if it has not finished `ms` after this is called. */
async function withinDeadline(work: Promise<void>, controller: AbortController, ms: number): Promise<void> {
  const timer = setTimeout(() => controller.abort(), ms);
  timer.unref();
  try {
    await work;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The job's outcome as the controller would decide it: the agent's redacted result for the
 * controller, carried through the agent stream's message and its conversion on the controller.
 */
function outcomeFrom(job: Job, definition: JobDefinition, status: JobStatus): Omit<JobOutcome, "startedAtMs" | "completedAtMs"> {
  const outputs = Object.keys((status.results.outputs as Record<string, unknown> | undefined) ?? {});
  const report = reportFromProto(
    create(TaskUpdateSchema, {
      taskId: definition.taskId,
      seq: 1n,
      stage: STAGES[status.state],
      complete: true,
      timestampNs: status.timestampNs,
      result: jobTaskResult(status),
    }),
  );
  if (!report.result) throw new Error("a completed task has a result");
  if (report.result.outcome === "failed") {
    // On a backend the controller would end the job (a permanent error) or retry it with a new
    // task; locally the person sees the reason at once and runs it again when it is fixed.
    const { type, message } = report.result.error;
    return {
      state: "failed",
      statusCode: "job_error",
      statusMessage: `${MESSAGES.jobError} ${type}: ${message}`,
      outputs,
      logWritten: false,
    };
  }
  const outcome = outcomeOf(job, report.result);
  return {
    state: outcome.code === "succeeded" ? "succeeded" : "failed",
    statusCode: outcome.code,
    statusMessage: outcome.message,
    outputs,
    logWritten: true,
  };
}

export async function runOneJob(
  executor: Executor,
  job: Job,
  definition: JobDefinition,
  onLine: (line: string) => void,
  signal: AbortSignal,
): Promise<JobOutcome> {
  const startedAtMs = Date.now();
  const follower = new AbortController();
  const stopFollower = () => follower.abort();
  signal.addEventListener("abort", stopFollower, { once: true });
  let following: Promise<void> | undefined;
  try {
    let status: JobStatus;
    try {
      status = await executor.prepare(definition, signal);
    } catch (error) {
      if (signal.aborted) throw new InterruptedError("interrupted");
      const failure = {
        type: error instanceof Error ? error.name : "Error",
        message: error instanceof Error ? error.message : String(error),
      };
      status = await executor.finalize(definition, { error: failure }, signal);
      return { ...outcomeFrom(job, definition, status), startedAtMs, completedAtMs: Date.now() };
    }
    status = await executor.execute(definition, signal);
    following = follow(executor, definition.id, onLine, follower.signal);
    if (status.state === "executing") status = await executor.waitForExit(definition, signal);
    if (signal.aborted) throw new InterruptedError("interrupted");
    await withinDeadline(following, follower, FOLLOWER_DRAIN_MS);
    status = await executor.finalize(definition, {}, signal);
    return { ...outcomeFrom(job, definition, status), startedAtMs, completedAtMs: Date.now() };
  } catch (error) {
    if (signal.aborted) throw new InterruptedError("interrupted", { cause: error });
    throw error;
  } finally {
    signal.removeEventListener("abort", stopFollower);
    follower.abort();
    await following?.catch(() => undefined);
    // Ctrl-C included: the container is stopped and removed and the working directory deleted.
    const tidy = AbortSignal.timeout(120_000);
    if (signal.aborted) await executor.terminate(definition, tidy).catch(() => undefined);
    await executor.cleanup(definition, tidy);
  }
}
