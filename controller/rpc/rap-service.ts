/**
 * rap.v1.RapService: the RAP API as Connect/gRPC calls. Typed requests become domain requests once,
 * are checked against the API's field rules (rap/request-rules.ts) and run by the same domain
 * operations as REST; outcomes are rendered straight to responses or ConnectErrors
 * (rpc/rap-outcomes.ts) whose messages are upstream's `details`, so both faces say the same thing.
 * WatchJobs adds what REST cannot: status changes as they happen.
 */
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { CreateJobsRequest, RapService } from "../../gen/rap/v1/rap_pb.js";
import { authenticateClient } from "../auth/client-auth.js";
import type { ControllerDeps } from "../deps.js";
import type { CreateRequest } from "../jobs/create-request.js";
import { backendsStatus } from "../rap/backend-status.js";
import { cancelJobs } from "../rap/cancel-jobs.js";
import { createJobs } from "../rap/create-jobs.js";
import type { JobEvents } from "../rap/job-events.js";
import { jobsStatus } from "../rap/jobs-status.js";
import type { RenderedJob } from "../rap/rendered-job.js";
import { cancelRequestProblem, createRequestProblem, statusRequestProblem, type RequestProblem } from "../rap/request-rules.js";
import { jobToProto } from "./rap-convert.js";
import { cancelOutcome, createOutcome, invalidRequest, unauthenticated, unavailableIfStorageFails } from "./rap-outcomes.js";
import { watchJobs } from "./watch-jobs.js";

function backendsOf(deps: ControllerDeps, context: HandlerContext): readonly string[] {
  const auth = authenticateClient(deps.config, context.requestHeader.get("authorization"));
  if (!auth.ok) throw unauthenticated(auth.reason);
  return auth.backends;
}

function refuseIf(problem: RequestProblem | undefined): void {
  if (problem) throw invalidRequest(problem);
}

/** The typed message as the domain's request: the one conversion on this face. */
function createRequestFromProto(request: CreateJobsRequest): CreateRequest {
  const scope = request.analysisScope;
  return {
    backend: request.backend,
    rapId: request.rapId,
    workspace: request.workspace,
    repoUrl: request.repoUrl,
    branch: request.branch,
    commit: request.commit,
    databaseName: request.databaseName,
    requestedActions: request.requestedActions,
    codelistsOk: request.codelistsOk,
    forceRunDependencies: request.forceRunDependencies,
    createdBy: request.createdBy,
    project: request.project,
    orgs: request.orgs,
    analysisScope:
      scope === undefined
        ? undefined
        : {
            dataset_permissions: scope.datasetPermissions,
            population_permissions: scope.populationPermissions,
            component_access: scope.componentAccess,
          },
  };
}

export function rapService(deps: ControllerDeps, events: JobEvents<RenderedJob>): ServiceImpl<typeof RapService> {
  return {
    getBackendStatus(_request, context) {
      const statuses = backendsStatus(deps, backendsOf(deps, context));
      return {
        backends: statuses.map((status) => ({
          slug: status.slug,
          lastSeen: status.last_seen ?? undefined,
          paused: { status: status.paused.status, since: status.paused.since ?? undefined },
          dbMaintenance: {
            status: status.db_maintenance.status,
            since: status.db_maintenance.since ?? undefined,
            type: status.db_maintenance.type ?? undefined,
          },
        })),
      };
    },
    async createJobs(request, context) {
      const backends = backendsOf(deps, context);
      const createRequest = createRequestFromProto(request);
      refuseIf(createRequestProblem(createRequest));
      const result = await createJobs(deps, backends, createRequest);
      if (result.kind === "unexpected_error")
        deps.log.error("unexpected error creating jobs", { rap_id: request.rapId, error: result.error });
      return createOutcome(request.rapId, result);
    },
    cancelJobs(request, context) {
      const backends = backendsOf(deps, context);
      refuseIf(cancelRequestProblem(request.rapId, request.actions));
      const result = unavailableIfStorageFails(() => cancelJobs(deps, backends, request.rapId, request.actions));
      return cancelOutcome(request.rapId, result);
    },
    getJobsStatus(request, context) {
      const backends = backendsOf(deps, context);
      refuseIf(statusRequestProblem(request.rapIds));
      const status = jobsStatus(deps, backends, request.rapIds);
      return { jobs: status.jobs.map(jobToProto), unrecognisedRapIds: status.unrecognisedRapIds };
    },
    async *watchJobs(request, context) {
      const backends = backendsOf(deps, context);
      refuseIf(statusRequestProblem(request.rapIds));
      for await (const update of watchJobs(deps, events, backends, request.rapIds, context.signal)) {
        yield { jobs: update.jobs.map(jobToProto), unrecognisedRapIds: [...update.unrecognisedRapIds] };
      }
    },
  };
}
