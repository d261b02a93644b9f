/** The dashboard's HTTP paths: /dashboard/ (the built page), /dashboard/login and /dashboard/logout. */
import type { NodeRequest, NodeResponse } from "../rest/http-io.js";
import type { Logger } from "../logger.js";
import { handleSessionRequest } from "./dashboard-session.js";
import { serveDashboardFile } from "./static-files.js";

/** Answers the request if it is one of the dashboard's paths; returns false otherwise. */
export function handleDashboardRequest(
  request: NodeRequest,
  response: NodeResponse,
  options: { token: string | undefined; nowMs: () => number; log: Logger },
): boolean {
  const path = (request.url ?? "").split("?")[0] ?? "";
  if (path === "/dashboard") {
    response.writeHead(308, { location: "/dashboard/" });
    response.end();
    return true;
  }
  if (!path.startsWith("/dashboard/")) return false;
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
