/**
 * AgentService.Connect: authenticates the agent, registers its session, pushes its backend's active
 * tasks, then persists each update before acknowledging it. Updates are idempotent per
 * (task_id, seq), so the agent can replay its outbox after any reconnect.
 */
import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import {
  type AgentService,
  type ConnectRequest,
  type ConnectResponse,
  ConnectResponseSchema,
  type TaskUpdate,
} from "../../gen/agent/v1/agent_pb.js";
import { AgentConnection } from "../agents/agent-connection.js";
import { BackendBusyError, type SessionRegistry } from "../agents/session-registry.js";
import { backendForAgentToken } from "../auth/agent-auth.js";
import type { ControllerDeps } from "../deps.js";
import { applyDatabaseStatus } from "../scheduling/database-status-result.js";
import { MalformedReportError, reportFromProto } from "../agents/agent-convert.js";
import { storageUnavailableMessage } from "../store/storage-errors.js";
import { peerCertificateKey } from "../tls/peer-certificate.js";

/**
 * The error that ends a stream: a database that cannot be written (disk full) becomes Unavailable
 * with the reason, so the agent logs why and reconnects with backoff, replaying every update the
 * controller had not acknowledged (none of them was stored: each write is one transaction).
 */
function streamError(error: unknown): unknown {
  const storage = storageUnavailableMessage(error);
  return storage === undefined ? error : new ConnectError(storage, Code.Unavailable, undefined, undefined, error);
}

/** An agent silent for this many heartbeat intervals is treated as gone and its session closed. */
const SILENT_INTERVALS = 3;

/**
 * With mTLS on, the stream needs a client certificate from the client CA naming the backend the
 * token is for: a stolen token alone does not connect, nor does backend A's certificate serve B.
 */
function checkCertificate(context: HandlerContext, backend: string): void {
  const peer = context.values.get(peerCertificateKey);
  switch (peer.kind) {
    case "not-required":
      return;
    case "missing":
      throw new ConnectError("a client certificate is required on the agent stream", Code.Unauthenticated);
    case "untrusted":
      throw new ConnectError(`the client certificate is not trusted: ${peer.reason}`, Code.Unauthenticated);
    case "trusted":
      if (!peer.backends.includes(backend)) {
        throw new ConnectError(`the client certificate is not valid for backend '${backend}'`, Code.PermissionDenied);
      }
  }
}

/**
 * The backends' last-seen-at flags, written for every session at once on the next turn of the
 * event loop, in one transaction: a storm of connecting agents (or a thousand heartbeating ones)
 * costs one commit a turn, not one per agent.
 */
class LastSeenWrites {
  private readonly due = new Map<string, number>();

  constructor(private readonly deps: ControllerDeps) {}

  note(backend: string, atMs: number): void {
    if (this.due.size === 0) setImmediate(() => this.flush());
    this.due.set(backend, atMs);
  }

  private flush(): void {
    const due = [...this.due];
    this.due.clear();
    // The controller may have stopped in between.
    if (!this.deps.db.open) return;
    try {
      this.deps.db.transaction(() => {
        for (const [backend, atMs] of due)
          this.deps.flags.set(backend, "last-seen-at", new Date(atMs).toISOString(), atMs / 1000);
      })();
    } catch (error) {
      this.deps.log.error("could not store when agents were last seen", { error });
    }
  }
}

function recordSeen(deps: ControllerDeps, lastSeen: LastSeenWrites, session: AgentConnection): void {
  const now = deps.clock.nowMs();
  session.lastSeenMs = now;
  // Throttled: at most one flag write a second per agent, however chatty the stream is.
  if (session.lastSeenWrittenMs !== undefined && now - session.lastSeenWrittenMs < 1000) return;
  session.lastSeenWrittenMs = now;
  lastSeen.note(session.identity.backend, now);
}

function handleRequest(
  deps: ControllerDeps,
  registry: SessionRegistry,
  lastSeen: LastSeenWrites,
  session: AgentConnection,
  request: ConnectRequest,
): void {
  recordSeen(deps, lastSeen, session);
  switch (request.message.case) {
    case "taskUpdate": {
      const report = readReport(request.message.value);
      const task = deps.tasks.owner(report.taskId);
      if (!task || task.backend !== session.identity.backend) {
        deps.log.warn("update for a task this agent does not own", { task_id: report.taskId, backend: session.identity.backend });
      } else if (task.leaseAgent !== null && task.leaseAgent !== session.identity.agentId) {
        // Another agent took the task over after this one's lease ran out: its updates are stale.
        deps.log.warn("update from an agent that no longer holds the task's lease; ignored", {
          task_id: report.taskId,
          agent: session.identity.agentId,
          lease_agent: task.leaseAgent,
        });
      } else if (
        deps.db.transaction(() => {
          const fresh = deps.tasks.recordReport(report, Math.floor(deps.clock.nowMs() / 1000));
          // A DBSTATUS result sets the backend's maintenance mode in the same transaction.
          if (fresh && task.type === "dbstatus") applyDatabaseStatus(deps, task.backend, report.result);
          deps.telemetry?.taskUpdated(report.taskId, task.type, task.backend, fresh, report.timestampNs);
          return fresh;
        })()
      ) {
        // A job's update concerns that job; a database-status result may change the backend's mode.
        if (task.jobId !== null) deps.scheduler.jobsChanged([task.jobId]);
        if (task.type === "dbstatus") deps.scheduler.backendChanged(task.backend);
      }
      // Acknowledged after the write (or when it is a duplicate/unknown), so the agent may forget it.
      session.send(
        create(ConnectResponseSchema, {
          message: { case: "updateAck", value: { taskId: report.taskId, seq: BigInt(report.seq) } },
        }),
      );
      return;
    }
    case "heartbeat":
      // Proof of life: the session's leases run on, and the answer lets the agent renew its own
      // lease from the time it sent this heartbeat.
      deps.tasks.renewLeases(session.identity.sessionId, registry.leaseExpiry());
      session.send(
        create(ConnectResponseSchema, {
          message: {
            case: "heartbeat",
            value: { sentAtUnixMs: BigInt(deps.clock.nowMs()), echoSentAtUnixMs: request.message.value.sentAtUnixMs },
          },
        }),
      );
      return;
    case "taskDeclined": {
      const taskId = request.message.value.taskId;
      const released = deps.tasks.releaseUntouchedLease(taskId, session.identity.sessionId);
      deps.log.info("agent declined a task (draining for shutdown)", {
        task_id: taskId,
        agent: session.identity.agentId,
        lease_released: released,
      });
      return;
    }
    case "hello":
      throw new ConnectError("Hello may only be sent once", Code.InvalidArgument);
    case undefined:
      return;
  }
}

/** A report the controller cannot read ends the stream: the agent must not believe it was stored. */
function readReport(update: TaskUpdate) {
  try {
    return reportFromProto(update);
  } catch (error) {
    if (error instanceof MalformedReportError)
      throw new ConnectError(error.message, Code.InvalidArgument, undefined, undefined, error);
    throw error;
  }
}

/**
 * In-flight task ids from a Hello that another agent holds now (a lease that has not run out, or
 * one that passed on and ended): the agent must stand down on them. A task whose lease this agent
 * still holds, even one already finished (the agent may still be tidying up), stays with it.
 */
function disownedTasks(deps: ControllerDeps, backend: string, agentId: string, inFlight: readonly string[]): string[] {
  return inFlight.filter((id) => {
    const owner = deps.tasks.owner(id);
    if (!owner || owner.backend !== backend) return true;
    const lease = deps.tasks.lease(id);
    if (!lease || lease.agentId === agentId) return false;
    const active = deps.tasks.get(id)?.active ?? false;
    return !active || lease.expiresAtMs > deps.clock.nowMs();
  });
}

async function readHello(iterator: AsyncIterator<ConnectRequest>) {
  const first = await iterator.next();
  if (first.done || first.value.message.case !== "hello") {
    throw new ConnectError("the first message must be a Hello", Code.InvalidArgument);
  }
  return first.value.message.value;
}

export function agentService(deps: ControllerDeps, registry: SessionRegistry): ServiceImpl<typeof AgentService> {
  const lastSeen = new LastSeenWrites(deps);
  return {
    async *connect(requests: AsyncIterable<ConnectRequest>, context: HandlerContext): AsyncGenerator<ConnectResponse> {
      const backend = backendForAgentToken(deps.config, context.requestHeader.get("authorization"));
      checkCertificate(context, backend);
      const iterator = requests[Symbol.asyncIterator]();
      const hello = await readHello(iterator);
      if (hello.backend !== backend) {
        throw new ConnectError(`this token is not valid for backend '${hello.backend}'`, Code.PermissionDenied);
      }
      const session = new AgentConnection({
        backend,
        agentId: hello.agentId,
        version: hello.version,
        driver: hello.driver,
        sessionId: randomUUID(),
        connectedAtMs: deps.clock.nowMs(),
        inFlightAtConnect: [...hello.inFlight],
      });
      try {
        registry.register(session);
      } catch (error) {
        if (error instanceof BackendBusyError) throw new ConnectError(error.message, Code.AlreadyExists);
        throw error;
      }
      const log = deps.log.child({ backend, agent: hello.agentId, session: session.identity.sessionId });
      let heartbeat: NodeJS.Timeout | undefined;
      // From here on the session is registered: whatever fails (a database that cannot be written
      // while the Welcome is prepared included) unregisters it, so a standby is not refused for ever.
      try {
        deps.telemetry?.agentConnected(backend);
        log.info("agent connected", { version: hello.version, driver: hello.driver, in_flight: hello.inFlight.length });
        recordSeen(deps, lastSeen, session);
        const disowned = disownedTasks(deps, backend, hello.agentId, hello.inFlight);
        if (disowned.length > 0) log.warn("agent told to stand down on tasks another agent holds", { tasks: disowned.join(",") });
        const heartbeatIntervalMs = deps.config.agentHeartbeatIntervalMs;
        session.send(
          create(ConnectResponseSchema, {
            message: {
              case: "welcome",
              value: {
                sessionId: session.identity.sessionId,
                controllerVersion: deps.config.version,
                heartbeatIntervalMs,
                leaseMs: deps.config.agentLeaseMs,
                disowned,
              },
            },
          }),
        );
        registry.pushActiveTasks(backend);

        heartbeat = setInterval(() => {
          if (deps.clock.nowMs() - session.lastSeenMs > SILENT_INTERVALS * heartbeatIntervalMs) {
            log.warn("agent silent too long; closing its stream");
            session.close(new ConnectError("no heartbeat from agent", Code.DeadlineExceeded));
            return;
          }
          session.send(
            create(ConnectResponseSchema, {
              message: { case: "heartbeat", value: { sentAtUnixMs: BigInt(deps.clock.nowMs()) } },
            }),
          );
        }, heartbeatIntervalMs);
        heartbeat.unref();

        const reading = (async () => {
          for (;;) {
            const next = await iterator.next();
            if (next.done) return;
            handleRequest(deps, registry, lastSeen, session, next.value);
          }
        })().then(
          () => session.close(),
          (error: unknown) => {
            const failure = streamError(error);
            if (failure !== error) log.error("database cannot be written; closing the agent stream", { error });
            session.close(failure);
          },
        );
        for (;;) {
          const message = await session.next(context.signal);
          if (!message) break;
          yield message;
        }
        void reading;
      } catch (error) {
        const failure = streamError(error);
        if (failure !== error) log.error("database cannot be written; refusing the agent stream", { error });
        throw failure;
      } finally {
        clearInterval(heartbeat);
        session.close();
        registry.unregister(session);
        log.info("agent disconnected");
      }
    },
  };
}
