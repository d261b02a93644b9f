/**
 * A bare agent stream for benchmarks: says Hello for a backend, then sends TaskUpdates for one task
 * as fast as the controller takes them and counts the acknowledgements. Sequential waits for each
 * ack before the next update (what one agent's outbox does); pipelined sends them all at once.
 */
import { performance } from "node:perf_hooks";
import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AgentService, ConnectRequestSchema, Stage, type ConnectRequest } from "../../gen/agent/v1/agent_pb.js";

/** An async queue of outgoing messages, ended by close(). */
class Outgoing implements AsyncIterable<ConnectRequest> {
  private readonly queue: ConnectRequest[] = [];
  private wake: (() => void) | undefined;
  private closed = false;

  push(message: ConnectRequest): void {
    this.queue.push(message);
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<ConnectRequest> {
    for (;;) {
      while (this.queue.length > 0) yield this.queue.shift()!;
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}

export interface StormResult {
  readonly updates: number;
  readonly seconds: number;
  readonly perSecond: number;
}

/** Sends `count` updates for `taskId` (seq from `firstSeq`); resolves when every one is acknowledged. */
export async function updateStorm(options: {
  url: string;
  token: string;
  backend: string;
  taskId: string;
  firstSeq: number;
  count: number;
  pipelined: boolean;
}): Promise<StormResult> {
  const client = createClient(AgentService, createGrpcTransport({ baseUrl: options.url, acceptCompression: [] }));
  const outgoing = new Outgoing();
  const update = (seq: number) =>
    create(ConnectRequestSchema, {
      message: {
        case: "taskUpdate",
        value: { taskId: options.taskId, seq: BigInt(seq), stage: Stage.EXECUTING, complete: false },
      },
    });
  outgoing.push(
    create(ConnectRequestSchema, {
      message: { case: "hello", value: { backend: options.backend, agentId: "bench-storm", version: "bench", driver: "none" } },
    }),
  );
  const abort = new AbortController();
  const responses = client.connect(outgoing, { headers: { authorization: options.token }, signal: abort.signal });
  const iterator = responses[Symbol.asyncIterator]();
  let started = 0;
  let acked = 0;
  let next = options.firstSeq;
  const end = options.firstSeq + options.count;
  try {
    // The Welcome arrives first: the clock starts once the session exists.
    for (;;) {
      const first = await iterator.next();
      if (first.done) throw new Error("stream ended before the welcome");
      if (first.value.message.case === "welcome") break;
    }
    started = performance.now();
    if (options.pipelined) while (next < end) outgoing.push(update(next++));
    else outgoing.push(update(next++));
    while (acked < options.count) {
      const response = await iterator.next();
      if (response.done) throw new Error(`stream ended after ${acked} acks`);
      if (response.value.message.case !== "updateAck") continue;
      acked++;
      if (!options.pipelined && next < end) outgoing.push(update(next++));
    }
    const seconds = (performance.now() - started) / 1000;
    return { updates: options.count, seconds, perSecond: options.count / seconds };
  } finally {
    outgoing.close();
    abort.abort();
    await iterator.return?.().catch(() => undefined);
  }
}
