/**
 * The connected agents, one per backend. A second agent with a different id is refused while the
 * first is connected, so no task can run twice; the same agent reconnecting (its old stream not yet
 * noticed as dead) replaces its previous session.
 */
import { create } from "@bufbuild/protobuf";
import { ConnectResponseSchema } from "../../gen/agent/v1/agent_pb.js";
import type { TaskStore } from "../store/task-store.js";
import { taskToProto } from "./agent-convert.js";
import type { AgentSession } from "./agent-session.js";

export class BackendBusyError extends Error {
  override readonly name = "BackendBusyError";
}

export class SessionRegistry {
  private readonly sessions = new Map<string, AgentSession>();

  constructor(
    private readonly tasks: TaskStore,
    /** Told of each task sent (dispatch latency is measured from here). */
    private readonly onPushed?: (taskId: string, backend: string) => void,
  ) {}

  register(session: AgentSession): void {
    const { backend, agentId } = session.identity;
    const existing = this.sessions.get(backend);
    if (existing && !existing.isClosed) {
      if (existing.identity.agentId !== agentId) {
        throw new BackendBusyError(
          `backend '${backend}' already has a connected agent (${existing.identity.agentId}); this agent stays on standby`,
        );
      }
      existing.close();
    }
    this.sessions.set(backend, session);
  }

  unregister(session: AgentSession): void {
    if (this.sessions.get(session.identity.backend) === session) this.sessions.delete(session.identity.backend);
  }

  get(backend: string): AgentSession | undefined {
    return this.sessions.get(backend);
  }

  all(): AgentSession[] {
    return [...this.sessions.values()];
  }

  /** Pushes every active task of the backend that this session has not been sent yet. */
  pushActiveTasks(backend: string): void {
    const session = this.sessions.get(backend);
    if (!session || session.isClosed) return;
    const active = this.tasks.active(backend);
    const activeIds = new Set(active.map((task) => task.id));
    for (const id of session.pushedTaskIds) if (!activeIds.has(id)) session.pushedTaskIds.delete(id);
    for (const task of active) {
      if (session.pushedTaskIds.has(task.id)) continue;
      session.pushedTaskIds.add(task.id);
      session.send(create(ConnectResponseSchema, { message: { case: "task", value: taskToProto(task) } }));
      this.onPushed?.(task.id, backend);
    }
  }
}
