/**
 * The agent's own small HTTP server for GET /metrics (the agent serves nothing else over TCP). It
 * binds 127.0.0.1 unless configured otherwise; port 0 picks a free port.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { AgentMetrics } from "./agent-metrics.js";

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function serveAgentMetrics(metrics: AgentMetrics, host: string, port: number): Promise<MetricsServer> {
  const server = http.createServer((request, response) => {
    if ((request.url ?? "").split("?")[0] !== "/metrics" || (request.method !== "GET" && request.method !== "HEAD")) {
      response.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found: try GET /metrics\n");
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
