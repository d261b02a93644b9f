/**
 * The connected agents, one per backend. A second agent with a different id is refused while the
 * first is connected; the same agent reconnecting (its old stream not yet noticed as dead) replaces
 * its previous session. A task is pushed only to the session that holds (or can take) its lease: a
 * standby that connects while the previous agent's lease still runs gets the task when it runs out,
 * by which time that agent, if it is merely frozen, has stopped working on it by its own clock.
 */
import { create } from "@bufbuild/protobuf";
import { ConnectResponseSchema } from "../../gen/agent/v1/agent_pb.js";
import type { TaskStore } from "../store/task-store.js";
import { taskToProto } from "./agent-convert.js";
import type { AgentPresence } from "./agent-presence.js";
import type { AgentConnection } from "./agent-connection.js";

export class BackendBusyError extends Error {
  override readonly name = "BackendBusyError";
}

export interface LeaseSettings {
  readonly nowMs: () => number;
  /** How long a lease lasts from the agent's last sign of life. */
  readonly leaseMs: number;
}

const DEFAULT_LEASES: LeaseSettings = { nowMs: () => Date.now(), leaseMs: 60_000 };

/** After a push that could not take its leases (the database cannot be written), the next try. */
const PUSH_RETRY_MS = 1000;

export class SessionRegistry {
  private readonly sessions = new Map<string, AgentConnection>();
  /** Per backend: a push planned for when another agent's lease runs out. */
  private readonly leaseTimers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly tasks: TaskStore,
    /** Told of each task sent (dispatch latency is measured from here). */
    private readonly onPushed?: (taskId: string, backend: string) => void,
    private readonly leases: LeaseSettings = DEFAULT_LEASES,
    /** Told of connects, disconnects and refused standbys (lost-agent visibility). */
    readonly presence?: AgentPresence,
    /** Told when a push failed (its lease writes threw); it is tried again shortly. */
    private readonly onPushFailed?: (backend: string, error: unknown) => void,
  ) {}

  /** When a lease given (or renewed) now runs out. */
  leaseExpiry(): number {
    return this.leases.nowMs() + this.leases.leaseMs;
  }

  /** Cancels planned pushes (the controller is stopping). */
  stop(): void {
    for (const timer of this.leaseTimers.values()) clearTimeout(timer);
    this.leaseTimers.clear();
  }

  register(session: AgentConnection): void {
    const { backend, agentId } = session.identity;
    const existing = this.sessions.get(backend);
    if (existing && !existing.isClosed) {
      if (existing.identity.agentId !== agentId) {
        this.presence?.refusedStandby(backend, agentId);
        throw new BackendBusyError(
          `backend '${backend}' already has a connected agent (${existing.identity.agentId}); this agent stays on standby`,
        );
      }
      existing.close();
    }
    this.sessions.set(backend, session);
    this.presence?.connected(backend, agentId);
  }

  unregister(session: AgentConnection): void {
    if (this.sessions.get(session.identity.backend) === session) {
      this.sessions.delete(session.identity.backend);
      this.presence?.disconnected(session.identity.backend);
    }
  }

  get(backend: string): AgentConnection | undefined {
    return this.sessions.get(backend);
  }

  all(): AgentConnection[] {
    return [...this.sessions.values()];
  }

  /**
   * Pushes every active task of the backend that this session has not been sent yet. Never throws:
   * it runs from timers and after commits, where an error (a full disk failing the lease writes)
   * would end the process; a failed push is reported and tried again in PUSH_RETRY_MS.
   */
  pushActiveTasks(backend: string): void {
    try {
      this.push(backend);
    } catch (error) {
      this.onPushFailed?.(backend, error);
      this.pushAt(backend, this.leases.nowMs() + PUSH_RETRY_MS);
    }
  }

  private push(backend: string): void {
    const session = this.sessions.get(backend);
    if (!session || session.isClosed) return;
    // Ids first: only the tasks this session has not been sent are read whole.
    const activeIds = this.tasks.activeIds(backend);
    const active = new Set(activeIds);
    for (const id of session.pushedTaskIds) if (!active.has(id)) session.pushedTaskIds.delete(id);
    const now = this.leases.nowMs();
    const lease = { agentId: session.identity.agentId, sessionId: session.identity.sessionId, expiresAtMs: this.leaseExpiry() };
    let retryAtMs: number | undefined;
    for (const id of activeIds) {
      if (session.pushedTaskIds.has(id)) continue;
      if (!this.tasks.acquireLease(id, lease, now)) {
        const held = this.tasks.lease(id);
        if (held) retryAtMs = Math.min(retryAtMs ?? Infinity, held.expiresAtMs);
        continue;
      }
      const task = this.tasks.get(id);
      if (!task) continue;
      session.pushedTaskIds.add(task.id);
      session.send(create(ConnectResponseSchema, { message: { case: "task", value: taskToProto(task) } }));
      this.onPushed?.(task.id, backend);
    }
    if (retryAtMs !== undefined) this.pushAt(backend, retryAtMs);
  }

  /** Tries the backend's tasks again once a lease another agent holds has run out. */
  private pushAt(backend: string, atMs: number): void {
    if (this.leaseTimers.has(backend)) return;
    const timer = setTimeout(
      () => {
        this.leaseTimers.delete(backend);
        this.pushActiveTasks(backend);
      },
      Math.max(0, atMs - this.leases.nowMs()) + 10,
    );
    timer.unref();
    this.leaseTimers.set(backend, timer);
  }
}
