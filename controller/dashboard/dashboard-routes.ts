/** The dashboard's HTTP paths: /dashboard/ (the built page), /dashboard/login and /dashboard/logout. */
import type { NodeRequest, NodeResponse } from "../rest/http-io.js";
import type { Logger } from "../logger.js";
import { handleSessionRequest } from "./dashboard-session.js";
import type { LoginLimiter } from "./login-limiter.js";
import { serveDashboardFile } from "./static-files.js";

/** Answers the request if it is one of the dashboard's paths; returns false otherwise. */
export function handleDashboardRequest(
  request: NodeRequest,
  response: NodeResponse,
  options: { token: string | undefined; nowMs: () => number; log: Logger; loginLimiter: LoginLimiter },
): boolean {
  const path = (request.url ?? "").split("?")[0] ?? "";
  if (path === "/dashboard") {
    response.writeHead(308, { location: "/dashboard/" });
    response.end();
    return true;
  }
  if (!path.startsWith("/dashboard/")) return false;
  if (path === "/dashboard/login" && request.method === "POST") {
    // The socket's own address: a forwarded-for header is the client's word and could name anyone.
    const address = request.socket.remoteAddress ?? "unknown";
    const decision = options.loginLimiter.take(address, options.nowMs());
    if (!decision.allowed) {
      options.log.warn("dashboard login refused: too many attempts", { address });
      const text = JSON.stringify({
        error: `too many login attempts; try again in ${decision.retryAfterSeconds} s`,
      });
      response.writeHead(429, {
        "content-type": "application/json",
        "cache-control": "no-store",
        "retry-after": String(decision.retryAfterSeconds),
        "content-length": Buffer.byteLength(text),
      });
      response.end(text);
      return true;
    }
  }
  if (path === "/dashboard/login" || path === "/dashboard/logout") {
    handleSessionRequest(request, response, path, {
      token: options.token,
      nowMs: options.nowMs(),
      onRefused: () => options.log.warn("dashboard login refused: wrong token"),
    }).catch((error: unknown) => {
      options.log.error("dashboard login failed", { error });
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
    return true;
  }
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.writeHead(405, { allow: "GET" });
    response.end();
    return true;
  }
  serveDashboardFile(response, path);
  return true;
}
