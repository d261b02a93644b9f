/**
 * rap.v1.RapService: the RAP API as Connect/gRPC calls. Requests are checked against the same
 * schemas as REST bodies (through the message's JSON form, whose keys are upstream's) and run by the
 * same handlers, so both faces give the same outcomes; 4xx outcomes become ConnectErrors whose
 * message is upstream's `details`. WatchJobs adds what REST cannot: status changes as they happen.
 */
import { type DescMessage, type MessageShape, toJson } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import {
  type RapService,
  CancelJobsRequestSchema,
  CreateJobsRequestSchema,
  GetJobsStatusRequestSchema,
  WatchJobsRequestSchema,
} from "../../gen/rap/v1/rap_pb.js";
import type { ControllerDeps } from "../deps.js";
import { backendsStatus } from "../rap/backend-status.js";
import { cancelJobs } from "../rap/cancel-jobs.js";
import { authenticateClient } from "../auth/client-auth.js";
import { createJobs } from "../rap/create-jobs.js";
import type { JobEvents } from "../rap/job-events.js";
import type { RenderedJob } from "../rap/rendered-job.js";
import { jobsStatus } from "../rap/jobs-status.js";
import { cancelResponse, createResponse, type RapResponse } from "../rap/rap-responses.js";
import type { Schema } from "../rest/json-schema.js";
import { checkBody, fromJsonValue } from "../rest/request-body.js";
import { createRequestFromJson } from "../rest/request-mapping.js";
import { CANCEL_REQUEST_SCHEMA, CREATE_REQUEST_SCHEMA, STATUS_REQUEST_SCHEMA } from "../rest/request-schemas.js";
import { jobToProto } from "./rap-convert.js";
import { watchJobs } from "./watch-jobs.js";

const CODES: Readonly<Record<number, Code>> = { 400: Code.InvalidArgument, 401: Code.Unauthenticated, 404: Code.NotFound };

function toConnectError(response: RapResponse): ConnectError {
  const details = typeof response.body.details === "string" ? response.body.details : "request failed";
  return new ConnectError(details, CODES[response.status] ?? Code.Internal);
}

function backendsOf(deps: ControllerDeps, context: HandlerContext): readonly string[] {
  const auth = authenticateClient(deps.config, context.requestHeader.get("authorization"));
  if (!auth.ok) throw toConnectError(auth.response);
  return auth.backends;
}

/** The request in upstream's JSON form, after the same schema check as a REST body. */
function checked<Desc extends DescMessage>(desc: Desc, message: MessageShape<Desc>, schema: Schema): Record<string, unknown> {
  const result = checkBody(schema, fromJsonValue(toJson(desc, message, { alwaysEmitImplicit: true })));
  if (!result.ok) throw toConnectError(result.response);
  return result.body;
}

function unlessError(response: RapResponse): RapResponse["body"] {
  if (response.status >= 400) throw toConnectError(response);
  return response.body;
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
      const body = checked(CreateJobsRequestSchema, request, CREATE_REQUEST_SCHEMA);
      const result = await createJobs(deps, backends, createRequestFromJson(body));
      if (result.kind === "unexpected_error")
        deps.log.error("unexpected error creating jobs", { rap_id: request.rapId, error: result.error });
      const response = unlessError(createResponse(request.rapId, result));
      return {
        result: String(response.result),
        details: String(response.details),
        rapId: request.rapId,
        count: Number(response.count),
      };
    },
    cancelJobs(request, context) {
      const backends = backendsOf(deps, context);
      checked(CancelJobsRequestSchema, request, CANCEL_REQUEST_SCHEMA);
      const response = unlessError(cancelResponse(request.rapId, cancelJobs(deps, backends, request.rapId, request.actions)));
      return { result: String(response.result), details: String(response.details), count: Number(response.count) };
    },
    getJobsStatus(request, context) {
      const backends = backendsOf(deps, context);
      checked(GetJobsStatusRequestSchema, request, STATUS_REQUEST_SCHEMA);
      const status = jobsStatus(deps, backends, request.rapIds);
      return { jobs: status.jobs.map(jobToProto), unrecognisedRapIds: status.unrecognisedRapIds };
    },
    async *watchJobs(request, context) {
      const backends = backendsOf(deps, context);
      checked(WatchJobsRequestSchema, request, STATUS_REQUEST_SCHEMA);
      for await (const update of watchJobs(deps, events, backends, request.rapIds, context.signal)) {
        yield { jobs: update.jobs.map(jobToProto), unrecognisedRapIds: [...update.unrecognisedRapIds] };
      }
    },
  };
}
