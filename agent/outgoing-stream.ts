/**
 * The agent's half of one stream attempt: the Hello, then every outbox update not yet sent on this
 * stream as soon as it is appended, and heartbeats on their cadence (each answered one renews the
 * agent's lease, so they go out even while updates flow). One instance per connection attempt.
 */
import { create } from "@bufbuild/protobuf";
import { type ConnectRequest, ConnectRequestSchema, Stage } from "../gen/agent/v1/agent_pb.js";
import { Wakeup } from "../common/wakeup.js";
import type { Logger } from "./logger.js";
import type { Outbox } from "./outbox.js";

/** What the outgoing half needs of the session's options (session.ts describes each). */
export interface OutgoingStreamOptions {
  readonly backend: string;
  readonly agentId: string;
  readonly version: string;
  readonly driver: string;
  readonly outbox: Outbox;
  readonly log: Logger;
  readonly inFlight: () => string[];
  readonly heartbeatIntervalMs?: number;
}

export class OutgoingStream {
  private readonly sent = new Set<string>();
  private readonly declined: string[] = [];
  // Woken by every append, also one that lands while the generator is suspended at a `yield`
  // (the wake is kept): the loop then sends again before it waits.
  private readonly appended = new Wakeup();
  private readonly unsubscribe: () => void;
  // Until the Welcome says otherwise (the controller's setting wins, so both ends keep one cadence).
  private heartbeatMs: number;
  private lastHeartbeatMs = Date.now();
  /** When (agent clock, ms) the Hello went out; 0 until it has. */
  helloSentAtMs = 0;

  constructor(private readonly options: OutgoingStreamOptions) {
    this.heartbeatMs = options.heartbeatIntervalMs ?? 10_000;
    this.unsubscribe = options.outbox.onAppend(() => this.appended.wake());
  }

  /** The controller's cadence from its Welcome; takes effect at once. */
  setHeartbeatInterval(ms: number): void {
    this.heartbeatMs = ms;
    this.appended.wake();
  }

  /** Tells the controller this agent will not run the task (sent on this stream only). */
  decline(taskId: string): void {
    this.declined.push(taskId);
    this.appended.wake();
  }

  async *requests(signal: AbortSignal): AsyncGenerator<ConnectRequest> {
    this.helloSentAtMs = Date.now();
    yield this.hello();
    while (!signal.aborted) {
      for (let taskId = this.declined.shift(); taskId !== undefined; taskId = this.declined.shift()) {
        yield create(ConnectRequestSchema, { message: { case: "taskDeclined", value: { taskId } } });
      }
      yield* this.unsentUpdates();
      const dueInMs = this.lastHeartbeatMs + this.heartbeatMs - Date.now();
      if (dueInMs > 0 && (await this.appended.wait(signal, dueInMs)) !== "timeout") continue;
      if (!signal.aborted) {
        this.lastHeartbeatMs = Date.now();
        yield create(ConnectRequestSchema, {
          message: { case: "heartbeat", value: { sentAtUnixMs: BigInt(this.lastHeartbeatMs) } },
        });
      }
    }
  }

  close(): void {
    this.unsubscribe();
  }

  private hello(): ConnectRequest {
    const { options } = this;
    return create(ConnectRequestSchema, {
      message: {
        case: "hello",
        value: {
          backend: options.backend,
          agentId: options.agentId,
          version: options.version,
          driver: options.driver,
          capabilities: ["runjob", "canceljob", "dbstatus", "dbdatacheck"],
          inFlight: options.inFlight(),
        },
      },
    });
  }

  private *unsentUpdates(): Generator<ConnectRequest> {
    for (const update of this.options.outbox.pending()) {
      const key = `${update.taskId}\u0000${update.seq}`;
      if (this.sent.has(key)) continue;
      this.sent.add(key);
      this.options.log.debug("sending task update", {
        task_id: update.taskId,
        seq: String(update.seq),
        stage: Stage[update.stage],
        complete: update.complete,
      });
      yield create(ConnectRequestSchema, { message: { case: "taskUpdate", value: update } });
    }
  }
}
