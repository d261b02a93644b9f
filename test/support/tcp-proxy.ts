/**
 * A TCP proxy on loopback that a test can break the way a network does: `cut()` destroys every
 * connection, `refuse(true)` closes each new one at once, `stall(true)` stops forwarding in both
 * directions without closing anything (a blackhole: what is sent is read and held, neither side
 * hears an answer, a FIN or an RST) and `stall(false)` forwards what was held and goes on. Bytes are
 * never dropped or reordered, so whatever passes is what was sent.
 */
import net from "node:net";

export interface TcpProxy {
  readonly port: number;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Open client connections. */
  connections(): number;
  /** Bytes read during a stall and not forwarded yet. */
  held(): number;
  /** Destroys every open connection (both sides); returns how many there were. */
  cut(): number;
  /** While on, each new connection is closed as soon as it is accepted. */
  refuse(on: boolean): void;
  /** While on, nothing is forwarded in either direction, on open and new connections. */
  stall(on: boolean): void;
  close(): Promise<void>;
}

interface Pair {
  readonly client: net.Socket;
  readonly upstream: net.Socket;
  /** Bytes read while stalled, per direction, written once forwarding resumes. */
  readonly held: Map<net.Socket, Buffer[]>;
}

/** Starts a proxy to `127.0.0.1:targetPort`; `port` 0 picks a free one. */
export async function startTcpProxy(targetPort: number, port = 0): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let refusing = false;
  let stalled = false;
  /** Writes what a stall held back, once forwarding is on again. */
  const flush = (pair: Pair) => {
    if (stalled) return;
    for (const socket of [pair.client, pair.upstream]) {
      const held = pair.held.get(socket) ?? [];
      pair.held.set(socket, []);
      for (const chunk of held) socket.write(chunk);
    }
  };
  const server = net.createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = net.connect({ host: "127.0.0.1", port: targetPort });
    const pair: Pair = {
      client,
      upstream,
      held: new Map([
        [client, []],
        [upstream, []],
      ]),
    };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    // Forwarded by hand, not piped, so that a stall can hold what arrives.
    const forward = (to: net.Socket) => (chunk: Buffer) => {
      if (stalled) pair.held.get(to)?.push(chunk);
      else to.write(chunk);
    };
    client.on("data", forward(upstream));
    upstream.on("data", forward(client));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as net.AddressInfo;
  const cut = () => {
    const count = pairs.size;
    for (const pair of [...pairs]) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    pairs.clear();
    return count;
  };
  return {
    port: address.port,
    url: `http://127.0.0.1:${address.port}`,
    connections: () => pairs.size,
    held: () =>
      [...pairs].reduce((sum, pair) => sum + [...pair.held.values()].flat().reduce((n, chunk) => n + chunk.length, 0), 0),
    cut,
    refuse: (on) => {
      refusing = on;
    },
    stall: (on) => {
      stalled = on;
      for (const pair of pairs) flush(pair);
    },
    close: () =>
      new Promise<void>((resolve) => {
        cut();
        server.close(() => resolve());
      }),
  };
}
