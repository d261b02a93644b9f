/**
 * One port, three faces (DESIGN §2). Plain mode (loopback development): a net server peeks at each
 * connection's first bytes; the HTTP/2 preface goes to an h2c server (gRPC, gRPC-web, Connect,
 * streams), anything else to an HTTP/1.1 server (the REST gateway and Connect unary). TLS mode: a
 * TLS server offers ALPN h2 and http/1.1 and hands each connection to the server its client chose
 * (a client that chose nothing is sniffed as in plain mode). Both faces serve the same handler.
 */
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import tls from "node:tls";
import type { NodeRequest, NodeResponse } from "./rest/http-io.js";
import { readSecureContextOptions, reloadOnChange, type TlsFiles } from "./tls/reloading-tls.js";

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
/** A client that sends nothing for this long is dropped. */
const FIRST_BYTES_TIMEOUT_MS = 30_000;

export interface OnePortServer {
  readonly server: net.Server;
  /**
   * Stops accepting, ends idle connections and waits for requests in flight, cutting what is left
   * after `graceMs` or as soon as `cut` aborts.
   */
  close(graceMs?: number, cut?: AbortSignal): Promise<void>;
}

export interface OnePortOptions {
  /** Serve HTTPS with these files (reloaded when they change); undefined: plain HTTP and h2c. */
  readonly tls?: TlsFiles | undefined;
  /** Told when the certificate files were read again, or could not be. */
  readonly onTlsReload?: ((error?: unknown) => void) | undefined;
}

export function createOnePortServer(
  handler: (request: NodeRequest, response: NodeResponse) => void,
  options: OnePortOptions = {},
): OnePortServer {
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

  const toH2 = (socket: net.Socket) => {
    // Left paused: the http2 session reads the unshifted bytes itself; resuming would lose them.
    h2.emit("connection", socket);
  };
  const toH1 = (socket: net.Socket) => {
    busy.set(socket, 0);
    h1.emit("connection", socket);
    socket.resume();
  };
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => {
      sockets.delete(socket);
      busy.delete(socket);
    });
    socket.setNoDelay(true);
  };
  const sniff = (socket: net.Socket) => {
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
      if (isH2) toH2(socket);
      else toH1(socket);
    };
    socket.on("data", onData);
  };

  let stopWatching = () => {};
  let server: net.Server;
  if (options.tls) {
    const files = options.tls;
    const secure = tls.createServer({
      ...readSecureContextOptions(files),
      ALPNProtocols: ["h2", "http/1.1"],
      // With a client CA every client is asked for a certificate, but only the agent stream requires
      // one: job-server and operators still connect with their tokens alone.
      requestCert: files.clientCaFile !== undefined,
      rejectUnauthorized: false,
      handshakeTimeout: FIRST_BYTES_TIMEOUT_MS,
    });
    secure.on("tlsClientError", (_error, socket) => socket.destroy());
    secure.on("secureConnection", (socket: tls.TLSSocket) => {
      track(socket);
      if (socket.alpnProtocol === "h2") toH2(socket);
      else sniff(socket);
    });
    stopWatching = reloadOnChange(secure, files, {
      reloaded: () => options.onTlsReload?.(),
      failed: (error) => options.onTlsReload?.(error),
    });
    server = secure;
  } else {
    server = net.createServer((socket) => {
      track(socket);
      sniff(socket);
    });
  }

  return {
    server,
    close: (graceMs = 2000, cut?: AbortSignal) =>
      new Promise<void>((resolve) => {
        closing = true;
        stopWatching();
        server.close(() => resolve());
        for (const [socket, requests] of busy) if (requests === 0) socket.end();
        // GOAWAY to every HTTP/2 client; a session with no open stream then goes at once.
        for (const session of sessions) session.close(() => session.destroy());
        // Streams still open after the grace period are cut, so shutdown cannot hang on a client.
        const cutAll = () => {
          for (const socket of sockets) socket.destroy();
        };
        setTimeout(cutAll, graceMs).unref();
        if (cut?.aborted) cutAll();
        else cut?.addEventListener("abort", cutAll, { once: true });
      }),
  };
}
