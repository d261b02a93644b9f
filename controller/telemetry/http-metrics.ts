/**
 * Counts every HTTP request by endpoint and status as its response ends (and logs it at debug
 * level), and serves GET /metrics. Wraps the one request handler both HTTP faces share, so nothing
 * in the handlers themselves changes.
 */
import { performance } from "node:perf_hooks";
import type { NodeRequest, NodeResponse } from "../node-http.js";
import { apiEndpoint } from "./api-endpoint.js";
import type { Logger } from "../logger.js";
import type { ControllerMetrics } from "./controller-metrics.js";

type Handler = (request: NodeRequest, response: NodeResponse) => void;

function isStream(request: NodeRequest): boolean {
  const type = String(request.headers["content-type"] ?? "");
  return type.startsWith("application/grpc") || type.startsWith("application/connect+");
}

export function countRequests(metrics: ControllerMetrics, handler: Handler, log?: Logger): Handler {
  return (request, response) => {
    const started = performance.now();
    const endpoint = apiEndpoint(request.url);
    const streaming = isStream(request);
    response.once("close", () => {
      const elapsedMs = performance.now() - started;
      metrics.apiRequest(endpoint, response.statusCode, streaming ? undefined : elapsedMs / 1000);
      // The known endpoint, never the raw URL: a query string or unknown path is the client's text.
      log?.debug("request served", {
        method: request.method,
        endpoint,
        status: response.statusCode,
        duration_ms: Math.round(elapsedMs),
      });
    });
    handler(request, response);
  };
}

/** Answers GET /metrics; returns false for any other path. */
export function serveMetrics(metrics: ControllerMetrics, request: NodeRequest, response: NodeResponse): boolean {
  if ((request.url ?? "").split("?")[0] !== "/metrics") return false;
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.writeHead(405, { allow: "GET" });
    response.end();
    return true;
  }
  const send = (status: number, contentType: string, body: string) => {
    response.writeHead(status, { "content-type": contentType });
    if (request.method === "HEAD") response.end();
    else response.end(body);
  };
  metrics.exposition().then(
    ({ contentType, body }) => send(200, contentType, body),
    (error: unknown) => send(500, "text/plain; charset=utf-8", `metrics unavailable: ${String(error)}\n`),
  );
  return true;
}
