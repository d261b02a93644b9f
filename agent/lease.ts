/**
 * The agent's own view of its task leases. The controller gives a lease of `leaseMs` and renews it
 * each time it hears from the agent; the agent counts its lease from the moment it *sent* what the
 * controller answered (a Hello or a Heartbeat), by its own clock, so a message that sat in a socket
 * buffer while the process was frozen can never stretch the lease past the controller's. Once the
 * lease has run out, task handlers wait at their next step instead of touching the job: a standby
 * agent may be working on it by then.
 */
export class AgentLease {
  /** 0 until a controller that grants leases says how long they last: no lease, no waiting. */
  private leaseMs = 0;
  private validUntilMs = 0;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly nowMs: () => number = () => Date.now()) {}

  /** A Welcome arrived in answer to the Hello sent at `sentAtMs`. */
  granted(leaseMs: number, sentAtMs: number): void {
    this.leaseMs = leaseMs;
    this.renewed(sentAtMs);
  }

  /** The controller answered a heartbeat this agent sent at `sentAtMs`. */
  renewed(sentAtMs: number): void {
    this.validUntilMs = Math.max(this.validUntilMs, sentAtMs + this.leaseMs);
    if (this.held) {
      for (const wake of this.waiters) wake();
    }
  }

  get held(): boolean {
    return this.leaseMs === 0 || this.nowMs() < this.validUntilMs;
  }

  /**
   * Resolves true at once while the lease is held, or when it is next renewed; false when the
   * signal aborts first (the task was taken away or the agent is stopping).
   */
  async hold(signal: AbortSignal, onWait?: () => void): Promise<boolean> {
    if (signal.aborted) return false;
    if (this.held) return true;
    onWait?.();
    return new Promise<boolean>((resolve) => {
      const finish = (value: boolean) => {
        this.waiters.delete(wake);
        signal.removeEventListener("abort", abort);
        resolve(value);
      };
      const wake = () => finish(!signal.aborted);
      const abort = () => finish(false);
      this.waiters.add(wake);
      signal.addEventListener("abort", abort, { once: true });
    });
  }
}
