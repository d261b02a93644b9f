/**
 * One `rap exec` session on the agent, in a terminal of its own in the job's container: through the
 * runtime's exec command in a local pseudo-terminal (docker, podman), or through the runtime's API
 * (Kubernetes pods/exec). Output bytes go back to the operator only, over the local socket; the
 * session's facts (never its content) go to the audit log.
 */
import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { ExecExitSchema, type ExecRequest, type ExecResponse } from "../../gen/agentlocal/v1/agent_local_pb.js";
import type { ExecSession, ExecTerminal, Executor } from "../../runtime-drivers/index.js";
import type { Logger } from "../logger.js";
import { AsyncQueue } from "./async-queue.js";
import type { AuditLog } from "./audit-log.js";
import { ptyExecSession } from "./pty-exec-session.js";

export class ExecRefusedError extends Error {
  override readonly name = "ExecRefusedError";
}

export interface ExecContext {
  readonly executor: Executor;
  readonly audit: AuditLog;
  readonly log: Logger;
  readonly env: Readonly<Record<string, string>>;
}

const DEFAULT_COMMAND = ["/bin/sh"];

function clampSize(value: number | undefined, fallback: number): number {
  return value && value > 0 && value < 10_000 ? value : fallback;
}

/** The driver's own session (an API driver) or its exec command in a local pseudo-terminal. */
async function openSession(
  executor: Executor,
  jobId: string,
  command: readonly string[],
  terminal: ExecTerminal,
  env: Readonly<Record<string, string>>,
  signal: AbortSignal,
): Promise<ExecSession> {
  if (executor.openExec) return executor.openExec(jobId, command, terminal, signal);
  if (executor.execCommand) return ptyExecSession(executor.execCommand(jobId, command), terminal, env);
  throw new Error(`the ${executor.driver} driver has no exec`);
}

/** Runs one session: reads the client's requests, yields output and finally the exit status. */
export async function* execSession(
  requests: AsyncIterable<ExecRequest>,
  context: ExecContext,
  signal: AbortSignal,
): AsyncGenerator<ExecResponse["message"]> {
  const iterator = requests[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done || first.value.message.case !== "start") throw new ExecRefusedError("the first message must be `start`");
  const start = first.value.message.value;
  const command = start.command.length > 0 ? [...start.command] : DEFAULT_COMMAND;
  const session = randomUUID();
  const startedAt = new Date();
  const who = start.user || "unknown";
  const base = { session, user: who, job_id: start.jobId, command, started_at: startedAt.toISOString() };
  const { executor } = context;
  const canExec = executor.openExec !== undefined || executor.execCommand !== undefined;
  if (!canExec || !executor.isRunning) {
    await context.audit.write({ ...base, event: "exec_refused", reason: `the ${executor.driver} driver has no exec` });
    throw new ExecRefusedError(`the ${executor.driver} driver cannot open a session in a job`);
  }
  if (!(await executor.isRunning(start.jobId, signal))) {
    await context.audit.write({ ...base, event: "exec_refused", reason: "job not running" });
    throw new ExecRefusedError(`job ${start.jobId} has no running container on this backend`);
  }
  const term = start.term || "xterm-256color";
  const size: ExecTerminal = { columns: clampSize(start.size?.columns, 80), rows: clampSize(start.size?.rows, 24), term };
  let terminal: ExecSession;
  try {
    terminal = await openSession(executor, start.jobId, command, size, context.env, signal);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    await context.audit.write({ ...base, event: "exec_refused", reason });
    throw new ExecRefusedError(`cannot open a session in job ${start.jobId}: ${reason}`);
  }
  await context.audit.write({ ...base, event: "exec_started" });
  context.log.info("exec session started", { session, user: who, job_id: start.jobId, command: command.join(" ") });

  const out = new AsyncQueue<ExecResponse["message"]>();
  terminal.onOutput((data) => out.push({ case: "output", value: data }));
  const exited = terminal.exited;
  const kill = () => terminal.close();
  signal.addEventListener("abort", kill, { once: true });
  // Client input until it stops sending (or the session ends).
  const reading = (async () => {
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      const message = next.value.message;
      if (message.case === "input") terminal.write(message.value);
      else if (message.case === "resize") {
        terminal.resize(clampSize(message.value.columns, 80), clampSize(message.value.rows, 24));
      }
    }
  })().catch(() => undefined);
  let code = -1;
  void exited.then((status) => {
    code = status;
    out.end();
  });
  try {
    for await (const message of out) yield message;
    yield { case: "exit", value: create(ExecExitSchema, { code }) };
  } finally {
    signal.removeEventListener("abort", kill);
    if (code === -1) {
      kill();
      code = await exited;
    }
    void reading;
    const endedAt = new Date();
    await context.audit.write({
      ...base,
      event: "exec_ended",
      ended_at: endedAt.toISOString(),
      duration_ms: endedAt.getTime() - startedAt.getTime(),
      exit_code: code,
    });
    context.log.info("exec session ended", { session, user: who, job_id: start.jobId, exit_code: code });
  }
}
