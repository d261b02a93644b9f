/**
 * One connected agent: an outbound queue the stream handler drains, the set of task ids already
 * pushed on this stream, and liveness bookkeeping. Messages are queued, never dropped; the handler
 * waits on the queue with the stream's abort signal, so a closed stream releases it at once.
 */
import { Wakeup } from "../../common/wakeup.js";
import type { ConnectResponse } from "../../gen/agent/v1/agent_pb.js";

export interface AgentIdentity {
  readonly backend: string;
  readonly agentId: string;
  readonly version: string;
  readonly driver: string;
  readonly sessionId: string;
  readonly connectedAtMs: number;
  /** Task ids the agent said in its Hello it was still working on (shown to operators). */
  readonly inFlightAtConnect?: readonly string[];
}

export class AgentConnection {
  private readonly queue: ConnectResponse[] = [];
  private readonly reader = new Wakeup();
  private closed = false;
  private failure: unknown;
  /** Task ids pushed on this stream (a reconnect starts a new session, which pushes them again). */
  readonly pushedTaskIds = new Set<string>();
  lastSeenMs: number;
  /** When lastSeenMs was last written to the backend's last-seen-at flag. */
  lastSeenWrittenMs: number | undefined;

  constructor(readonly identity: AgentIdentity) {
    this.lastSeenMs = identity.connectedAtMs;
  }

  send(message: ConnectResponse): void {
    if (this.closed) return;
    this.queue.push(message);
    this.reader.wake();
  }

  /** Ends the stream normally (or with an error the handler rethrows). */
  close(failure?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.failure = failure;
    this.reader.wake();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Next message to write, or undefined once closed and drained. */
  async next(signal: AbortSignal): Promise<ConnectResponse | undefined> {
    for (;;) {
      const message = this.queue.shift();
      if (message) return message;
      if (this.closed) {
        if (this.failure !== undefined) throw this.failure instanceof Error ? this.failure : new Error("agent stream failed");
        return undefined;
      }
      if (signal.aborted) return undefined;
      await this.reader.wait(signal);
    }
  }
}
