/**
 * Whether each backend's jobs are being watched: since when a backend has had no agent, whether a
 * standby agent is waiting (it was refused because another agent held the stream), and a warning
 * log line, once per absence, when a backend has gone without an agent for longer than the limit.
 * A frozen agent is dropped after three silent heartbeats; without this nothing would say that its
 * backend's running jobs are no longer followed.
 */
import type { Logger } from "../logger.js";

/** A standby counts as waiting while it has knocked within this long (its reconnect backoff tops out at 30 s). */
const STANDBY_FRESH_MS = 60_000;

export interface StandbyView {
  readonly agentId: string;
  readonly lastRefusedMs: number;
}

export class AgentPresence {
  private readonly absentSinceMs = new Map<string, number>();
  private readonly standbys = new Map<string, StandbyView>();
  private readonly alerted = new Set<string>();

  constructor(
    backends: readonly string[],
    private readonly nowMs: () => number,
    /** AGENT_ABSENT_ALERT_MS: how long a backend may be without an agent before the warning. */
    private readonly alertAfterMs: number,
    private readonly log: Logger,
  ) {
    const now = nowMs();
    for (const backend of backends) this.absentSinceMs.set(backend, now);
  }

  connected(backend: string, agentId: string): void {
    this.absentSinceMs.delete(backend);
    if (this.alerted.delete(backend)) this.log.info("backend has an agent again", { backend, agent: agentId });
    if (this.standbys.get(backend)?.agentId === agentId) this.standbys.delete(backend);
  }

  disconnected(backend: string): void {
    if (!this.absentSinceMs.has(backend)) this.absentSinceMs.set(backend, this.nowMs());
  }

  refusedStandby(backend: string, agentId: string): void {
    this.standbys.set(backend, { agentId, lastRefusedMs: this.nowMs() });
  }

  /** The standby agent waiting for this backend's stream, if one knocked recently. */
  standby(backend: string): StandbyView | undefined {
    const found = this.standbys.get(backend);
    return found && this.nowMs() - found.lastRefusedMs <= STANDBY_FRESH_MS ? found : undefined;
  }

  /** Since when the backend has had no connected agent (ms); undefined while one is connected. */
  absentSince(backend: string): number | undefined {
    return this.absentSinceMs.get(backend);
  }

  absentTooLong(backend: string): boolean {
    const since = this.absentSinceMs.get(backend);
    return since !== undefined && this.nowMs() - since > this.alertAfterMs;
  }

  /** Logs each backend that has just gone past the limit (called on a timer). */
  check(): void {
    for (const backend of this.absentSinceMs.keys()) {
      if (this.alerted.has(backend) || !this.absentTooLong(backend)) continue;
      this.alerted.add(backend);
      this.log.warn("backend has had no agent for longer than the limit; its jobs are not being watched", {
        backend,
        absent_for_ms: this.nowMs() - (this.absentSinceMs.get(backend) ?? 0),
        limit_ms: this.alertAfterMs,
        standby_waiting: this.standby(backend)?.agentId ?? null,
      });
    }
  }
}
