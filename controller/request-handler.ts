/**
 * The one request handler behind the controller's port: the Connect services (RAP, agent stream,
 * admin, dashboard, reflection) first, then the plain-HTTP routes in the order a request could
 * match them — /metrics, the health endpoints, the dashboard's pages, and last the REST gateway
 * job-server calls, whose unknown paths answer upstream's JSON 404. Part of the composition root.
 */
import { createContextValues } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { AdminService } from "../gen/admin/v1/admin_pb.js";
import { AgentService } from "../gen/agent/v1/agent_pb.js";
import { DashboardService } from "../gen/dashboard/v1/dashboard_pb.js";
import { RapService } from "../gen/rap/v1/rap_pb.js";
import type { SessionRegistry } from "./agents/session-registry.js";
import { handleDashboardRequest } from "./dashboard/dashboard-routes.js";
import { dashboardService } from "./dashboard/dashboard-service.js";
import type { LoginLimiter } from "./dashboard/login-limiter.js";
import type { ControllerDeps } from "./deps.js";
import type { NodeRequest, NodeResponse } from "./node-http.js";
import { handleHealthRequest, type HealthSources } from "./health/health-routes.js";
import type { JobEvents } from "./rap/job-events.js";
import type { RenderedJob } from "./rap/rendered-job.js";
import { refuseHttp1Streams } from "./rest/http1-stream-guard.js";
import { sendJson } from "./rest/http-io.js";
import { handleRest } from "./rest/rest-gateway.js";
import { adminService } from "./rpc/admin-service.js";
import { agentService } from "./rpc/agent-service.js";
import { rapService } from "./rpc/rap-service.js";
import { registerReflection } from "./rpc/reflection-service.js";
import type { ChangeSink } from "./scheduling/job-transitions.js";
import type { JobHistoryStore } from "./store/job-history-store.js";
import type { ControllerMetrics } from "./telemetry/controller-metrics.js";
import { countRequests, serveMetrics } from "./telemetry/http-metrics.js";
import { peerCertificateKey, peerCertificateOf } from "./tls/peer-certificate.js";

export type RequestHandler = (request: NodeRequest, response: NodeResponse) => void;

export interface RequestHandlerParts {
  readonly deps: ControllerDeps;
  readonly sessions: SessionRegistry;
  readonly jobEvents: JobEvents<RenderedJob>;
  readonly history: JobHistoryStore;
  /** Where admin commands report the jobs they change. */
  readonly sink: ChangeSink;
  /** undefined: no /metrics and no request counting (the benchmark's "telemetry off"). */
  readonly metrics: ControllerMetrics | undefined;
  readonly health: HealthSources;
  readonly loginLimiter: LoginLimiter;
}

export function createRequestHandler(parts: RequestHandlerParts): RequestHandler {
  const { deps, sessions, jobEvents, metrics } = parts;
  const { config, log } = deps;
  const connect = connectNodeAdapter({
    routes: (router) => {
      router.service(RapService, rapService(deps, jobEvents));
      router.service(AgentService, agentService(deps, sessions));
      router.service(AdminService, adminService(deps, { sessions, sink: parts.sink }));
      router.service(DashboardService, dashboardService({ deps, sessions, events: jobEvents, history: parts.history }));
      registerReflection(router, [RapService, AgentService, AdminService]);
    },
    readMaxBytes: config.maxRequestBodyBytes,
    // The agent stream reads who the client certificate says the agent is (mTLS).
    contextValues: (request) =>
      createContextValues().set(peerCertificateKey, peerCertificateOf(request, config.tls?.clientCaFile !== undefined)),
    fallback: (request, response) => {
      if (metrics && serveMetrics(metrics, request, response)) return;
      if (handleHealthRequest(request, response, parts.health)) return;
      const dashboard = { token: config.dashboardToken, nowMs: () => deps.clock.nowMs(), log, loginLimiter: parts.loginLimiter };
      if (handleDashboardRequest(request, response, dashboard)) return;
      handleRestOr404(deps, request, response);
    },
  });
  const withStreamGuard = refuseHttp1Streams(connect);
  return metrics ? countRequests(metrics, withStreamGuard, log) : withStreamGuard;
}

function handleRestOr404(deps: ControllerDeps, request: NodeRequest, response: NodeResponse): void {
  handleRest(deps, request, response).then(
    (handled) => {
      if (!handled) sendJson(response, 404, { error: "Not found", details: `No such path: ${request.url ?? ""}` });
    },
    (error: unknown) => {
      deps.log.error("request failed", { path: request.url, error });
      if (!response.headersSent) sendJson(response, 500, { error: "Internal error", details: "Unknown error" });
      else response.end();
    },
  );
}
