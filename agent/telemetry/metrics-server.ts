/**
 * The agent's own small HTTP server for GET /metrics and the probes /healthz (the process answers),
 * /readyz (the stream to the controller is up) and /version; the agent serves nothing else over TCP.
 * It binds 127.0.0.1 unless configured otherwise; port 0 picks a free port.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { AgentMetrics } from "./agent-metrics.js";

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

export interface AgentProbes {
  readonly readiness: () => { ready: boolean; reason: string };
  readonly version: string;
}

const TEXT = { "content-type": "text/plain; charset=utf-8" };

export async function serveAgentMetrics(
  metrics: AgentMetrics,
  host: string,
  port: number,
  probes?: AgentProbes,
): Promise<MetricsServer> {
  const server = http.createServer((request, response) => {
    const pathname = (request.url ?? "").split("?")[0];
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, TEXT).end("only GET and HEAD\n");
      return;
    }
    if (probes && pathname === "/healthz") {
      response.writeHead(200, TEXT).end("ok\n");
      return;
    }
    if (probes && pathname === "/readyz") {
      const { ready, reason } = probes.readiness();
      response.writeHead(ready ? 200 : 503, TEXT).end(`${reason}\n`);
      return;
    }
    if (probes && pathname === "/version") {
      response.writeHead(200, { "content-type": "application/json" }).end(`${JSON.stringify({ version: probes.version })}\n`);
      return;
    }
    if (pathname !== "/metrics") {
      response.writeHead(404, TEXT).end("not found: try GET /metrics, /healthz, /readyz or /version\n");
      return;
    }
    metrics.exposition().then(
      ({ contentType, body }) =>
        response.writeHead(200, { "content-type": contentType }).end(request.method === "HEAD" ? "" : body),
      (error: unknown) => response.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end(`${String(error)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
