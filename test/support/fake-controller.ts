/**
 * A fake controller for the agent's session tier: a real HTTP/2 server on 127.0.0.1 serving the
 * real AgentService contract (gen/agent/v1), whose every stream a test scripts by hand — welcome or
 * refuse a Hello, push tasks, acknowledge or ignore updates, go silent, end the stream. It exists
 * because the real controller cannot be made to misbehave on cue; the agent side is the real code.
 */
import { randomUUID } from "node:crypto";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import {
  AgentService,
  type ConnectRequest,
  type ConnectResponse,
  ConnectResponseSchema,
  type Hello,
  type TaskSchema,
  type TaskUpdate,
} from "../../gen/agent/v1/agent_pb.js";
import { AsyncQueue } from "../../agent/local/async-queue.js";

/** One agent stream, as the fake sees it and the test drives it. */
export class FakeStream {
  readonly id = randomUUID();
  readonly updates: TaskUpdate[] = [];
  /** Task ids the agent declined on this stream, in order. */
  readonly declined: string[] = [];
  heartbeatsReceived = 0;
  private readonly outgoing = new AsyncQueue<ConnectResponse>();
  private readonly listeners = new Set<() => void>();
  private closed = false;

  constructor(readonly hello: Hello) {}

  welcome(heartbeatIntervalMs = 10_000): void {
    this.send({ message: { case: "welcome", value: { sessionId: this.id, controllerVersion: "fake", heartbeatIntervalMs } } });
  }

  pushTask(task: MessageInitShape<typeof TaskSchema>): void {
    this.send({ message: { case: "task", value: task } });
  }

  ack(update: TaskUpdate): void {
    this.send({ message: { case: "updateAck", value: { taskId: update.taskId, seq: update.seq } } });
  }

  /** Ends the stream cleanly (the agent sees the controller close it). */
  end(): void {
    this.closed = true;
    this.outgoing.end();
    this.changed();
  }

  /** Ends the stream with an error code, as the controller's refusals do. */
  fail(code: Code, message: string): void {
    this.closed = true;
    this.outgoing.end(new ConnectError(message, code));
    this.changed();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Calls `listener` after every request received and when the stream closes. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private send(init: MessageInitShape<typeof ConnectResponseSchema>): void {
    this.outgoing.push(create(ConnectResponseSchema, init));
  }

  /** @internal the fake server's side of the stream. */
  receive(request: ConnectRequest): void {
    if (request.message.case === "taskUpdate") this.updates.push(request.message.value);
    if (request.message.case === "heartbeat") this.heartbeatsReceived += 1;
    if (request.message.case === "taskDeclined") this.declined.push(request.message.value.taskId);
    this.changed();
  }

  /** @internal */
  responses(): AsyncIterable<ConnectResponse> {
    return this.outgoing;
  }

  /** @internal the agent went away. */
  disconnected(): void {
    this.closed = true;
    this.outgoing.end();
    this.changed();
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}

export interface FakeController {
  readonly url: string;
  /** Every stream opened so far, oldest first. */
  readonly streams: readonly FakeStream[];
  /** Resolves with the `index`-th stream (0-based) once its Hello has arrived. */
  stream(index: number, signal?: AbortSignal): Promise<FakeStream>;
  /** Resolves once `condition` holds, re-checked after every request, stream and close. */
  until(condition: () => boolean, what: string, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/** `onHello` decides what each new stream gets first (default: a Welcome). */
export async function startFakeController(
  onHello: (stream: FakeStream) => void = (stream) => stream.welcome(),
): Promise<FakeController> {
  const streams: FakeStream[] = [];
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };

  const routes = (router: ConnectRouter) =>
    router.service(AgentService, {
      async *connect(requests, context) {
        const iterator = requests[Symbol.asyncIterator]();
        const first = await iterator.next();
        if (first.done || first.value.message.case !== "hello") throw new ConnectError("Hello first", Code.InvalidArgument);
        const stream = new FakeStream(first.value.message.value);
        streams.push(stream);
        const unsubscribe = stream.onChange(notify);
        onHello(stream);
        notify();
        void (async () => {
          try {
            for (let next = await iterator.next(); !next.done; next = await iterator.next()) stream.receive(next.value);
          } catch {
            // The agent's side broke off; the close below says so.
          }
          stream.disconnected();
        })();
        context.signal.addEventListener("abort", () => stream.disconnected(), { once: true });
        try {
          yield* stream.responses();
        } finally {
          stream.disconnected();
          unsubscribe();
        }
      },
    });

  const server = http2.createServer(connectNodeAdapter({ routes }));
  const sockets = new Set<import("node:net").Socket>();
  server.on("connection", (socket: import("node:net").Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  function until(condition: () => boolean, what: string, signal = AbortSignal.timeout(30_000)): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (condition()) {
          waiters.delete(check);
          signal.removeEventListener("abort", onAbort);
          resolve();
        }
      };
      const onAbort = () => {
        waiters.delete(check);
        reject(new Error(`fake controller: gave up waiting for ${what}`));
      };
      signal.addEventListener("abort", onAbort, { once: true });
      waiters.add(check);
      check();
    });
  }

  return {
    url: `http://127.0.0.1:${port}`,
    streams,
    async stream(index, signal) {
      await until(() => streams.length > index, `stream #${index + 1}`, signal);
      return streams[index] as FakeStream;
    },
    until,
    async close() {
      for (const stream of streams) stream.end();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
