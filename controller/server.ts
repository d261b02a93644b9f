/**
 * One port, three faces (DESIGN §2): a net server peeks at each connection's first bytes; the
 * HTTP/2 preface goes to an h2c server (gRPC, gRPC-web, Connect, streams), anything else to an
 * HTTP/1.1 server (the REST gateway and Connect unary). Both serve the same request handler.
 */
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import type { NodeRequest, NodeResponse } from "./rest/http-io.js";

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
/** A client that sends nothing for this long is dropped. */
const FIRST_BYTES_TIMEOUT_MS = 30_000;

export interface OnePortServer {
  readonly server: net.Server;
  /** Stops accepting, ends idle connections and waits for the rest to close. */
  close(): Promise<void>;
}

export function createOnePortServer(handler: (request: NodeRequest, response: NodeResponse) => void): OnePortServer {
  const h1 = http.createServer(handler);
  h1.keepAliveTimeout = 65_000;
  const h2 = http2.createServer({ settings: { initialWindowSize: 1 << 20 } }, handler);
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on("session", (session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.setNoDelay(true);
    socket.setTimeout(FIRST_BYTES_TIMEOUT_MS, () => socket.destroy());
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const compared = Math.min(head.length, PREFACE.length);
      const isH2 = head.subarray(0, compared).equals(PREFACE.subarray(0, compared));
      if (isH2 && head.length < PREFACE.length) return; // wait for the rest of the preface
      socket.off("data", onData);
      socket.setTimeout(0);
      socket.pause();
      socket.unshift(head);
      if (isH2) {
        // Left paused: the http2 session reads the unshifted bytes itself; resuming would lose them.
        h2.emit("connection", socket);
      } else {
        h1.emit("connection", socket);
        socket.resume();
      }
    };
    socket.on("data", onData);
  });

  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const session of sessions) session.close();
        h1.closeIdleConnections();
        // Streams still open after a grace period are cut, so shutdown cannot hang on a client.
        setTimeout(() => {
          for (const socket of sockets) socket.destroy();
        }, 2000).unref();
      }),
  };
}
