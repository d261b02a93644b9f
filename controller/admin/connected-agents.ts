/**
 * The agents connected right now, as operators want to see them: who (backend, agent id, version,
 * driver), since when, when last heard from, and what work is in their hands (what the agent said
 * at connect time, and the backend's active task rows: pushed and not finished).
 */
import type { AgentIdentity } from "../agents/agent-session.js";
import type { SessionRegistry } from "../agents/session-registry.js";
import type { ControllerDeps } from "../deps.js";
import { requireBackend } from "./admin-errors.js";

export interface ConnectedAgentView extends Omit<AgentIdentity, "inFlightAtConnect"> {
  readonly lastSeenMs: number;
  readonly inFlightAtConnect: readonly string[];
  readonly activeTaskIds: readonly string[];
}

/** Every connected agent, or the one of `backend` when given; ordered by backend. */
export function connectedAgents(deps: ControllerDeps, sessions: SessionRegistry, backend: string): ConnectedAgentView[] {
  const only = backend === "" ? undefined : requireBackend(deps, backend);
  return sessions
    .all()
    .filter((session) => !session.isClosed && (only === undefined || session.identity.backend === only))
    .sort((a, b) => a.identity.backend.localeCompare(b.identity.backend))
    .map((session) => ({
      ...session.identity,
      lastSeenMs: session.lastSeenMs,
      inFlightAtConnect: session.identity.inFlightAtConnect ?? [],
      activeTaskIds: deps.tasks.active(session.identity.backend).map((task) => task.id),
    }));
}
