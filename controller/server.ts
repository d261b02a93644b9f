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
  /** Stops accepting, ends idle connections and waits for the rest, cutting them after `graceMs`. */
  close(graceMs?: number): Promise<void>;
}

export function createOnePortServer(handler: (request: NodeRequest, response: NodeResponse) => void): OnePortServer {
  const h1 = http.createServer(handler);
  h1.keepAliveTimeout = 65_000;
  const h2 = http2.createServer({ settings: { initialWindowSize: 1 << 20 } }, handler);
  const sockets = new Set<net.Socket>();
  // http.Server tracks idle connections only for sockets it accepted itself (listen()); these come
  // from the sniffer, so requests in flight per HTTP/1.1 socket are counted here.
  const busy = new Map<net.Socket, number>();
  let closing = false;
  h1.on("request", (request: http.IncomingMessage, response: http.ServerResponse) => {
    const socket = request.socket;
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    response.once("close", () => {
      const left = (busy.get(socket) ?? 1) - 1;
      busy.set(socket, left);
      if (closing && left === 0) socket.end();
    });
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on("session", (session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => {
      sockets.delete(socket);
      busy.delete(socket);
    });
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
        busy.set(socket, 0);
        h1.emit("connection", socket);
        socket.resume();
      }
    };
    socket.on("data", onData);
  });

  return {
    server,
    close: (graceMs = 2000) =>
      new Promise<void>((resolve) => {
        closing = true;
        server.close(() => resolve());
        for (const [socket, requests] of busy) if (requests === 0) socket.end();
        // GOAWAY to every HTTP/2 client; a session with no open stream then goes at once.
        for (const session of sessions) session.close(() => session.destroy());
        // Streams still open after the grace period are cut, so shutdown cannot hang on a client.
        setTimeout(() => {
          for (const socket of sockets) socket.destroy();
        }, graceMs).unref();
      }),
  };
}
