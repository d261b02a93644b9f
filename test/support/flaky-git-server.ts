/**
 * A real git server over HTTPS that the test controls: `git http-backend` (smart HTTP) behind a
 * tiny node server, serving bare repositories under `root` as https://127.0.0.1:<port>/<org>/<name>.
 * `failNext(n, status)` makes the next n git commands fail at their first request with that HTTP
 * status (a proxy's 502/503), so tests can exercise retries against real git.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import type { CertPair } from "./test-certs.js";

export interface FlakyGitServer {
  /** `127.0.0.1:<port>`: what GITHUB_PROXY_DOMAIN is set to. */
  readonly domain: string;
  /** Git commands (their first request, `info/refs`) seen so far, failed ones included. */
  readonly commandsSeen: () => number;
  failNext(count: number, status?: number): void;
  close(): Promise<void>;
}

export async function startFlakyGitServer(root: string, cert: CertPair): Promise<FlakyGitServer> {
  let failures = 0;
  let failStatus = 503;
  let seen = 0;
  const server: Server = createServer({ cert: readFileSync(cert.cert), key: readFileSync(cert.key) }, (request, response) => {
    const url = new URL(request.url ?? "/", "https://git.test");
    if (url.pathname.endsWith("/info/refs")) {
      seen++;
      if (failures > 0) {
        failures--;
        response.writeHead(failStatus, { "content-type": "text/plain" }).end("upstream unavailable\n");
        return;
      }
    }
    const backend = spawn("git", ["http-backend"], {
      env: {
        PATH: process.env.PATH ?? "",
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: "1",
        PATH_INFO: url.pathname,
        QUERY_STRING: url.search.replace(/^\?/, ""),
        REQUEST_METHOD: request.method ?? "GET",
        CONTENT_TYPE: request.headers["content-type"] ?? "",
        HTTP_CONTENT_ENCODING: String(request.headers["content-encoding"] ?? ""),
        GIT_PROTOCOL: String(request.headers["git-protocol"] ?? ""),
        REMOTE_ADDR: "127.0.0.1",
      },
      stdio: ["pipe", "pipe", "ignore"],
    });
    request.pipe(backend.stdin);
    const chunks: Buffer[] = [];
    backend.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    backend.on("close", () => {
      const output = Buffer.concat(chunks);
      const end = output.indexOf("\r\n\r\n");
      const headerText = end === -1 ? "" : output.subarray(0, end).toString("latin1");
      const headers: Record<string, string> = {};
      let status = 200;
      for (const line of headerText.split("\r\n")) {
        const colon = line.indexOf(":");
        if (colon === -1) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === "status") status = Number(value.split(" ")[0]);
        else headers[name] = value;
      }
      response.writeHead(status, headers).end(end === -1 ? output : output.subarray(end + 4));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    domain: `127.0.0.1:${port}`,
    commandsSeen: () => seen,
    failNext: (count, status = 503) => {
      failures = count;
      failStatus = status;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
