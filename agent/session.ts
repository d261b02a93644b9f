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
import { AgentService, type ConnectRequest, ConnectRequestSchema, type Task } from "../gen/agent/v1/agent_pb.js";
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
  readonly backoff?: Backoff;
  readonly heartbeatIntervalMs?: number;
}

export class FatalSessionError extends Error {
  override readonly name = "FatalSessionError";
}

const FATAL_CODES = new Set([Code.Unauthenticated, Code.PermissionDenied, Code.Unimplemented]);

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

  private async stream(client: ReturnType<typeof createClient<typeof AgentService>>, signal: AbortSignal): Promise<void> {
    const { outbox } = this.options;
    const sent = new Set<string>();
    let wake: (() => void) | undefined;
    // Set by every append, also one that lands while the generator is suspended at a `yield`
    // (when there is no waiter to wake): the loop then sends again before it waits.
    let appended = false;
    const unsubscribe = outbox.onAppend(() => {
      appended = true;
      wake?.();
    });
    const heartbeatMs = this.options.heartbeatIntervalMs ?? 10_000;
    const options = this.options;

    async function* requests(): AsyncGenerator<ConnectRequest> {
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
        appended = false;
        for (const update of outbox.pending()) {
          const key = `${update.taskId}\u0000${update.seq}`;
          if (sent.has(key)) continue;
          sent.add(key);
          yield create(ConnectRequestSchema, { message: { case: "taskUpdate", value: update } });
        }
        if (appended) continue;
        const timedOut = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => finish(true), heartbeatMs);
          const finish = (value: boolean) => {
            clearTimeout(timer);
            signal.removeEventListener("abort", onAbort);
            wake = undefined;
            resolve(value);
          };
          const onAbort = () => finish(false);
          wake = () => finish(false);
          signal.addEventListener("abort", onAbort, { once: true });
        });
        if (timedOut) {
          yield create(ConnectRequestSchema, { message: { case: "heartbeat", value: { sentAtUnixMs: BigInt(Date.now()) } } });
        }
      }
    }

    try {
      const responses = client.connect(requests(), { signal, headers: { authorization: options.token } });
      for await (const response of responses) {
        switch (response.message.case) {
          case "welcome":
            this.backoff.reset();
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
          case undefined:
            break;
        }
      }
    } finally {
      unsubscribe();
    }
  }
}
