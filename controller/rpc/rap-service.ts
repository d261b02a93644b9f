/**
 * rap.v1.RapService: the RAP API as Connect/gRPC calls. Same handlers and same outcomes as the REST
 * gateway; 4xx outcomes become ConnectErrors whose message is upstream's `details`.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import {
  type RapService,
  type CreateJobsRequest,
  CreateJobsResponseSchema,
  CancelJobsResponseSchema,
  GetJobsStatusResponseSchema,
  GetBackendStatusResponseSchema,
} from "../../gen/rap/v1/rap_pb.js";
import type { ControllerDeps } from "../deps.js";
import type { CreateRequest } from "../jobs/create-request.js";
import { backendsStatus } from "../rap/backend-status.js";
import { cancelJobs } from "../rap/cancel-jobs.js";
import { authenticateClient } from "../rap/client-auth.js";
import { createJobs } from "../rap/create-jobs.js";
import { jobsStatus } from "../rap/jobs-status.js";
import { cancelResponse, createResponse, type RapResponse } from "../rap/rap-responses.js";

const CODES: Readonly<Record<number, Code>> = { 400: Code.InvalidArgument, 401: Code.Unauthenticated, 404: Code.NotFound, 413: Code.ResourceExhausted };

function toConnectError(response: RapResponse): ConnectError {
  const details = typeof response.body.details === "string" ? response.body.details : "request failed";
  const error = new ConnectError(details, CODES[response.status] ?? Code.Internal);
  return error;
}

function backendsOf(deps: ControllerDeps, context: HandlerContext): readonly string[] {
  const auth = authenticateClient(deps.config, context.requestHeader.get("authorization"));
  if (!auth.ok) throw toConnectError(auth.response);
  return auth.backends;
}

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
    analysisScope: scope && {
      dataset_permissions: scope.datasetPermissions,
      population_permissions: scope.populationPermissions,
      component_access: scope.componentAccess,
    },
  };
}

export function rapService(deps: ControllerDeps): ServiceImpl<typeof RapService> {
  return {
    getBackendStatus(_request, context) {
      const statuses = backendsStatus(deps, backendsOf(deps, context));
      return create(GetBackendStatusResponseSchema, {
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
      });
    },
    async createJobs(request, context) {
      const backends = backendsOf(deps, context);
      if (!/^[a-z0-9]{16}$/.test(request.rapId)) {
        throw new ConnectError(`Invalid request body received at $.rap_id: '${request.rapId}' does not match '^[a-z0-9]{16}$'`, Code.InvalidArgument);
      }
      const result = await createJobs(deps, backends, createRequestFromProto(request));
      if (result.kind === "unexpected_error") deps.log.error("unexpected error creating jobs", { rap_id: request.rapId, error: result.error });
      const response = createResponse(request.rapId, result);
      if (response.status >= 400) throw toConnectError(response);
      return create(CreateJobsResponseSchema, response.body);
    },
    cancelJobs(request, context) {
      const backends = backendsOf(deps, context);
      if (request.actions.length === 0) throw new ConnectError("Invalid request body received at $.actions: [] should be non-empty", Code.InvalidArgument);
      const response = cancelResponse(request.rapId, cancelJobs(deps, backends, request.rapId, request.actions));
      if (response.status >= 400) throw toConnectError(response);
      return create(CancelJobsResponseSchema, response.body);
    },
    getJobsStatus(request, context) {
      const status = jobsStatus(deps, backendsOf(deps, context), request.rapIds);
      return create(GetJobsStatusResponseSchema, {
        jobs: status.jobs.map((job) => ({
          identifier: job.identifier,
          rapId: job.rap_id,
          backend: job.backend,
          action: job.action,
          runCommand: job.run_command,
          status: job.status,
          statusCode: job.status_code,
          statusMessage: job.status_message,
          createdAt: job.created_at,
          updatedAt: job.updated_at ?? undefined,
          startedAt: job.started_at ?? undefined,
          completedAt: job.completed_at ?? undefined,
          traceContext: job.trace_context,
          metrics: job.metrics as never,
          requiresDb: job.requires_db,
        })),
        unrecognisedRapIds: status.unrecognisedRapIds,
      });
    },
  };
}
