/**
 * The probes on the controller's port, unauthenticated as load balancers and kubelets need them:
 * GET /healthz (the process answers), GET /readyz (it can do its work: see readiness.ts; unready
 * while draining for shutdown) and GET /version. Their bodies carry no secrets.
 */
import type { NodeRequest, NodeResponse } from "../rest/http-io.js";
import type { Readiness } from "./readiness.js";

export interface HealthSources {
  readonly readiness: () => Readiness;
  readonly version: string;
}

const TEXT = { "content-type": "text/plain; charset=utf-8" };

export function handleHealthRequest(request: NodeRequest, response: NodeResponse, sources: HealthSources): boolean {
  const pathname = (request.url ?? "").split("?")[0];
  if (pathname !== "/healthz" && pathname !== "/readyz" && pathname !== "/version") return false;
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.writeHead(405, { allow: "GET, HEAD" });
    response.end();
    return true;
  }
  if (pathname === "/healthz") {
    response.writeHead(200, TEXT);
    response.end("ok\n");
  } else if (pathname === "/readyz") {
    const { ready, reason } = sources.readiness();
    response.writeHead(ready ? 200 : 503, TEXT);
    response.end(`${reason}\n`);
  } else {
    response.writeHead(200, { "content-type": "application/json" });
    response.end(`${JSON.stringify({ version: sources.version })}\n`);
  }
  return true;
}
