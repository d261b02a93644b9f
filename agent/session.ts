/**
 * The agent's one stream to the controller. It dials, says Hello with the backend's token, replays
 * the outbox, then forwards every new update as it is appended and hands pushed tasks to the agent.
 * On any break it reconnects with jittered exponential backoff; it stops only when its signal aborts
 * or the controller refuses the token (Unauthenticated / PermissionDenied).
 */
import { readFileSync } from "node:fs";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AgentService, type ConnectResponse, type Task, type Welcome } from "../gen/agent/v1/agent_pb.js";
import { Backoff, sleep } from "./backoff.js";
import type { Logger } from "./logger.js";
import { OutgoingStream } from "./outgoing-stream.js";
import type { Outbox } from "./outbox.js";
import { SilenceWatch } from "./silence-watch.js";

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
  /**
   * Called for every task the controller pushes (possibly more than once per task). "declined":
   * the agent will not run it (it is draining), and the controller is told so.
   */
  readonly onTask: (task: Task) => "taken" | "declined";
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
    const watch = new SilenceWatch();
    const signal = AbortSignal.any([attemptSignal, watch.signal]);
    const outgoing = new OutgoingStream(this.options);
    try {
      const responses = client.connect(outgoing.requests(signal), { signal, headers: { authorization: this.options.token } });
      for await (const response of responses) {
        watch.heard();
        this.handle(response, outgoing, watch);
      }
      if (watch.signal.aborted && !attemptSignal.aborted) throw watch.signal.reason;
    } catch (error) {
      // The attempt was cut short for silence: report that, not the abort it caused.
      if (watch.signal.aborted && !attemptSignal.aborted) throw watch.signal.reason;
      throw error;
    } finally {
      watch.stop();
      outgoing.close();
    }
  }

  private handle(response: ConnectResponse, outgoing: OutgoingStream, watch: SilenceWatch): void {
    const { options } = this;
    switch (response.message.case) {
      case "welcome": {
        const welcome = response.message.value;
        watch.limit(SILENT_HEARTBEATS * (welcome.heartbeatIntervalMs || 10_000));
        this.backoff.reset();
        if (welcome.heartbeatIntervalMs > 0) outgoing.setHeartbeatInterval(welcome.heartbeatIntervalMs);
        options.onWelcome?.(welcome, outgoing.helloSentAtMs);
        options.onConnected?.(true);
        options.log.info("connected to controller", { session: welcome.sessionId });
        break;
      }
      case "task":
        if (options.onTask(response.message.value) === "declined") outgoing.decline(response.message.value.id);
        break;
      case "updateAck":
        options.outbox.acknowledge(response.message.value.taskId, response.message.value.seq);
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
}
