/**
 * The agent's half of one stream attempt: the Hello, then every outbox update not yet sent on this
 * stream as soon as it is appended, and heartbeats on their cadence (each answered one renews the
 * agent's lease, so they go out even while updates flow). One instance per connection attempt.
 */
import { create } from "@bufbuild/protobuf";
import { type ConnectRequest, ConnectRequestSchema, Stage, type TaskUpdate } from "../gen/agent/v1/agent_pb.js";
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
  /**
   * Updates appended since this stream began and not yet sent on it. What was in the outbox before
   * is read once, after the Hello (the replay); from then on every append lands here, so sending
   * never re-reads the outbox.
   */
  private unsent: TaskUpdate[] = [];
  /** How many of `unsent` have been sent (a cursor, so a long replay is not shifted item by item). */
  private sentCount = 0;
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
    this.unsubscribe = options.outbox.onAppend({
      appended: (update) => {
        this.unsent.push(update);
        this.appended.wake();
      },
      // Another agent holds the task now: its updates stay unsent, as they left the outbox.
      forgot: (taskId) => {
        this.unsent = this.unsent.slice(this.sentCount).filter((update) => update.taskId !== taskId);
        this.sentCount = 0;
      },
    });
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
    // The replay: everything in the outbox now, which includes whatever was appended before it.
    this.unsent = this.options.outbox.pending();
    this.sentCount = 0;
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
    for (let update = this.takeUnsent(); update !== undefined; update = this.takeUnsent()) {
      this.options.log.debug("sending task update", {
        task_id: update.taskId,
        seq: String(update.seq),
        stage: Stage[update.stage],
        complete: update.complete,
      });
      yield create(ConnectRequestSchema, { message: { case: "taskUpdate", value: update } });
    }
  }

  private takeUnsent(): TaskUpdate | undefined {
    const update = this.unsent[this.sentCount];
    if (update === undefined) {
      this.unsent = [];
      this.sentCount = 0;
      return undefined;
    }
    this.sentCount++;
    return update;
  }
}
