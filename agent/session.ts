/**
 * The agent's one stream to the controller. It dials, says Hello with the backend's token, replays
 * the outbox, then forwards every new update as it is appended and hands pushed tasks to the agent.
 * On any break it reconnects with jittered exponential backoff; it stops only when its signal aborts
 * or the controller refuses the token (Unauthenticated / PermissionDenied).
 */
import { readFileSync } from "node:fs";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  AgentService,
  type ConnectRequest,
  ConnectRequestSchema,
  Stage,
  type Task,
  type Welcome,
} from "../gen/agent/v1/agent_pb.js";
import { Wakeup } from "../common/wakeup.js";
import { Backoff, sleep } from "./backoff.js";
import type { Logger } from "./logger.js";
import type { Outbox } from "./outbox.js";

export interface SessionOptions {
  readonly controllerUrl: string;
  /** CA, client certificate and key files for an https:// controller (see AgentConfig.tls). */
  readonly tls?: {
    readonly caFile: string | undefined;
    readonly certFile: string | undefined;
    readonly keyFile: string | undefined;
  };
  readonly token: string;
  readonly backend: string;
  readonly agentId: string;
  readonly version: string;
  readonly driver: string;
  readonly outbox: Outbox;
  readonly log: Logger;
  /** Called for every task the controller pushes (possibly more than once per task). */
  readonly onTask: (task: Task) => void;
  /** Task ids still being worked on, reported in Hello. */
  readonly inFlight: () => string[];
  readonly onConnected?: (connected: boolean) => void;
  /** The controller's Welcome, with when (agent clock, ms) the Hello it answers was sent. */
  readonly onWelcome?: (welcome: Welcome, helloSentAtMs: number) => void;
  /** The controller answered the heartbeat this agent sent at `sentAtMs` (agent clock, ms). */
  readonly onHeartbeatAnswered?: (sentAtMs: number) => void;
  readonly backoff?: Backoff;
  readonly heartbeatIntervalMs?: number;
}

export class FatalSessionError extends Error {
  override readonly name = "FatalSessionError";
}

const FATAL_CODES = new Set([Code.Unauthenticated, Code.PermissionDenied, Code.Unimplemented]);
/** Heartbeat intervals of silence after which the controller is taken to be gone. */
const SILENT_HEARTBEATS = 3;

export class AgentSession {
  private readonly backoff: Backoff;

  constructor(private readonly options: SessionOptions) {
    this.backoff = options.backoff ?? new Backoff({ initialMs: 200, maxMs: 30_000 });
  }

  /** Runs until the signal aborts; throws FatalSessionError when the controller refuses this agent. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const attempt = new AbortController();
      const abortAttempt = () => attempt.abort();
      signal.addEventListener("abort", abortAttempt, { once: true });
      try {
        await this.stream(this.client(), attempt.signal);
        if (!signal.aborted) this.options.log.warn("controller closed the stream; reconnecting");
      } catch (error) {
        if (signal.aborted) break;
        const connectError = ConnectError.from(error);
        if (FATAL_CODES.has(connectError.code)) {
          throw new FatalSessionError(`controller refused this agent: ${connectError.message}`, { cause: error });
        }
        this.options.log.warn("stream to controller broke; reconnecting", {
          code: Code[connectError.code],
          error: connectError.rawMessage,
        });
      } finally {
        signal.removeEventListener("abort", abortAttempt);
        attempt.abort();
        this.options.onConnected?.(false);
      }
      await sleep(this.backoff.next(), signal);
    }
  }

  /** A client per connection attempt, so certificate files renewed on disk are read again. */
  private client(): ReturnType<typeof createClient<typeof AgentService>> {
    const tls = this.options.tls;
    const transport = createGrpcTransport({
      baseUrl: this.options.controllerUrl,
      acceptCompression: [],
      pingIntervalMs: 10_000,
      pingTimeoutMs: 10_000,
      pingIdleConnection: true,
      ...(tls === undefined
        ? {}
        : {
            nodeOptions: {
              ...(tls.caFile === undefined ? {} : { ca: readFileSync(tls.caFile) }),
              ...(tls.certFile === undefined ? {} : { cert: readFileSync(tls.certFile) }),
              ...(tls.keyFile === undefined ? {} : { key: readFileSync(tls.keyFile) }),
            },
          }),
    });
    return createClient(AgentService, transport);
  }

  private async stream(client: ReturnType<typeof createClient<typeof AgentService>>, attemptSignal: AbortSignal): Promise<void> {
    // A controller that keeps the connection open but says nothing (a stuck stream behind a proxy,
    // a wedged handler) would hold this agent forever: after its Welcome, silence longer than
    // SILENT_HEARTBEATS of its heartbeat intervals ends the attempt, and the agent reconnects.
    const silence = new AbortController();
    const signal = AbortSignal.any([attemptSignal, silence.signal]);
    let silenceLimitMs: number | undefined;
    let lastHeardMs = Date.now();
    const silenceWatch = setInterval(() => {
      if (silenceLimitMs !== undefined && Date.now() - lastHeardMs > silenceLimitMs) {
        silence.abort(new ConnectError(`controller silent for more than ${silenceLimitMs} ms`, Code.DeadlineExceeded));
      }
    }, 250);
    const { outbox } = this.options;
    const sent = new Set<string>();
    // Woken by every append, also one that lands while the generator is suspended at a `yield`
    // (the wake is kept): the loop then sends again before it waits. The Welcome wakes it too, so a
    // new heartbeat cadence takes effect at once.
    const appended = new Wakeup();
    const unsubscribe = outbox.onAppend(() => appended.wake());
    // Until the Welcome says otherwise (the controller's setting wins, so both ends keep one cadence).
    let heartbeatMs = this.options.heartbeatIntervalMs ?? 10_000;
    let lastHeartbeatMs = Date.now();
    let helloSentAtMs = 0;
    const options = this.options;

    async function* requests(): AsyncGenerator<ConnectRequest> {
      helloSentAtMs = Date.now();
      yield create(ConnectRequestSchema, {
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
      while (!signal.aborted) {
        for (const update of outbox.pending()) {
          const key = `${update.taskId}\u0000${update.seq}`;
          if (sent.has(key)) continue;
          sent.add(key);
          options.log.debug("sending task update", {
            task_id: update.taskId,
            seq: String(update.seq),
            stage: Stage[update.stage],
            complete: update.complete,
          });
          yield create(ConnectRequestSchema, { message: { case: "taskUpdate", value: update } });
        }
        // Heartbeats go out on their cadence even while updates flow: each answered one renews the lease.
        const dueInMs = lastHeartbeatMs + heartbeatMs - Date.now();
        if (dueInMs > 0 && (await appended.wait(signal, dueInMs)) !== "timeout") continue;
        if (!signal.aborted) {
          lastHeartbeatMs = Date.now();
          yield create(ConnectRequestSchema, {
            message: { case: "heartbeat", value: { sentAtUnixMs: BigInt(lastHeartbeatMs) } },
          });
        }
      }
    }

    try {
      const responses = client.connect(requests(), { signal, headers: { authorization: options.token } });
      for await (const response of responses) {
        lastHeardMs = Date.now();
        switch (response.message.case) {
          case "welcome":
            silenceLimitMs = SILENT_HEARTBEATS * (response.message.value.heartbeatIntervalMs || 10_000);
            this.backoff.reset();
            if (response.message.value.heartbeatIntervalMs > 0) {
              heartbeatMs = response.message.value.heartbeatIntervalMs;
              appended.wake();
            }
            options.onWelcome?.(response.message.value, helloSentAtMs);
            options.onConnected?.(true);
            options.log.info("connected to controller", { session: response.message.value.sessionId });
            break;
          case "task":
            options.onTask(response.message.value);
            break;
          case "updateAck":
            outbox.acknowledge(response.message.value.taskId, response.message.value.seq);
            break;
          case "heartbeat":
            if (response.message.value.echoSentAtUnixMs > 0n) {
              options.onHeartbeatAnswered?.(Number(response.message.value.echoSentAtUnixMs));
            }
            break;
          case undefined:
            break;
        }
      }
      if (silence.signal.aborted && !attemptSignal.aborted) throw silence.signal.reason;
    } catch (error) {
      // The attempt was cut short for silence: report that, not the abort it caused.
      if (silence.signal.aborted && !attemptSignal.aborted) throw silence.signal.reason;
      throw error;
    } finally {
      clearInterval(silenceWatch);
      unsubscribe();
    }
  }
}
