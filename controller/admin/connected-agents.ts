/**
 * The agents connected right now, as operators want to see them: who (backend, agent id, version,
 * driver), since when, when last heard from, and what work is in their hands (what the agent said
 * at connect time, and the backend's active task rows: pushed and not finished).
 */
import type { AgentIdentity } from "../agents/agent-connection.js";
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

export interface BackendPresenceView {
  readonly backend: string;
  readonly connected: boolean;
  /** Unix seconds; undefined: never seen. */
  readonly lastSeenSeconds: number | undefined;
  readonly absentSinceMs: number | undefined;
  readonly absentTooLong: boolean;
  readonly standby: { readonly agentId: string; readonly lastRefusedMs: number } | undefined;
}

/** Every backend an agent may connect to (or just `backend`): is anyone watching its jobs? */
export function backendPresence(deps: ControllerDeps, sessions: SessionRegistry, backend: string): BackendPresenceView[] {
  const only = backend === "" ? undefined : requireBackend(deps, backend);
  const presence = sessions.presence;
  return deps.config.backends
    .filter((config) => config.agentToken !== undefined && (only === undefined || config.slug === only))
    .map(({ slug }) => {
      const session = sessions.get(slug);
      const connected = session !== undefined && !session.isClosed;
      return {
        backend: slug,
        connected,
        lastSeenSeconds: connected ? session.lastSeenMs / 1000 : deps.flags.get(slug, "last-seen-at")?.timestamp,
        absentSinceMs: connected ? undefined : presence?.absentSince(slug),
        absentTooLong: presence?.absentTooLong(slug) ?? false,
        standby: presence?.standby(slug),
      };
    });
}
