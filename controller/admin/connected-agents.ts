/**
 * The agents connected right now, as operators want to see them: who (backend, agent id, version,
 * driver), since when, when last heard from, and what work is in their hands (what the agent said
 * at connect time, and the backend's active task rows: pushed and not finished).
 */
import type { SessionRegistry } from "../agents/session-registry.js";
import type { ControllerDeps } from "../deps.js";
import { requireBackend } from "./admin-errors.js";

export interface ConnectedAgentView {
  readonly backend: string;
  readonly agentId: string;
  readonly version: string;
  readonly driver: string;
  readonly sessionId: string;
  readonly connectedAtMs: number;
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
      backend: session.identity.backend,
      agentId: session.identity.agentId,
      version: session.identity.version,
      driver: session.identity.driver,
      sessionId: session.identity.sessionId,
      connectedAtMs: session.identity.connectedAtMs,
      lastSeenMs: session.lastSeenMs,
      inFlightAtConnect: session.identity.inFlightAtConnect ?? [],
      activeTaskIds: deps.tasks.active(session.identity.backend).map((task) => task.id),
    }));
}
