/**
 * The upstream REST paths job-server calls (reference/jobrunner.md §1), checked in upstream's order:
 * method (405), token (401), body parse (400), schema (400), then the same handlers the Connect
 * routes call. Every error is a JSON body with `details`; nothing here answers with HTML.
 */
import type { ControllerDeps } from "../deps.js";
import { backendsStatus } from "../rap/backend-status.js";
import { cancelJobs } from "../rap/cancel-jobs.js";
import { authenticateClient } from "../rap/client-auth.js";
import { createJobs } from "../rap/create-jobs.js";
import { jobsStatus } from "../rap/jobs-status.js";
import { cancelResponse, createResponse, UNPARSEABLE_BODY, validationError, type RapResponse } from "../rap/rap-responses.js";
import { BodyTooLargeError, readBody, sendJson, sendMethodNotAllowed, type NodeRequest, type NodeResponse } from "./http-io.js";
import { bestSchemaError, type Schema } from "./json-schema.js";
import { createRequestFromJson } from "./request-mapping.js";
import { CANCEL_REQUEST_SCHEMA, CREATE_REQUEST_SCHEMA, STATUS_REQUEST_SCHEMA } from "./request-schemas.js";

const PREFIX = "/controller/v1/";

type Endpoint =
  | { readonly method: "GET"; readonly handle: (deps: ControllerDeps, backends: readonly string[]) => RapResponse; readonly compact?: boolean }
  | {
      readonly method: "POST";
      readonly schema: Schema;
      readonly handle: (deps: ControllerDeps, backends: readonly string[], body: Record<string, unknown>) => RapResponse | Promise<RapResponse>;
    };

const ENDPOINTS: Readonly<Record<string, Endpoint>> = {
  "backend/status/": {
    method: "GET",
    compact: true,
    handle: (deps, backends) => ({ status: 200, body: { backends: backendsStatus(deps, backends) } }),
  },
  "rap/create/": {
    method: "POST",
    schema: CREATE_REQUEST_SCHEMA,
    handle: async (deps, backends, body) => {
      const request = createRequestFromJson(body);
      const result = await createJobs(deps, backends, request);
      if (result.kind === "unexpected_error") deps.log.error("unexpected error creating jobs", { rap_id: request.rapId, error: result.error });
      return createResponse(request.rapId, result);
    },
  },
  "rap/cancel/": {
    method: "POST",
    schema: CANCEL_REQUEST_SCHEMA,
    handle: (deps, backends, body) => {
      const rapId = body.rap_id as string;
      return cancelResponse(rapId, cancelJobs(deps, backends, rapId, body.actions as string[]));
    },
  },
  "rap/status/": {
    method: "POST",
    schema: STATUS_REQUEST_SCHEMA,
    handle: (deps, backends, body) => {
      const status = jobsStatus(deps, backends, body.rap_ids as string[]);
      return { status: 200, body: { jobs: status.jobs, unrecognised_rap_ids: status.unrecognisedRapIds } };
    },
  },
};

const UTF8 = new TextDecoder("utf-8", { fatal: true });

function parseJson(bytes: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(UTF8.decode(bytes)) as unknown };
  } catch {
    return { ok: false };
  }
}

async function handleEndpoint(deps: ControllerDeps, endpoint: Endpoint, request: NodeRequest, response: NodeResponse): Promise<void> {
  if (request.method !== endpoint.method) return sendMethodNotAllowed(response, endpoint.method);
  const auth = authenticateClient(deps.config, request.headers.authorization);
  if (!auth.ok) return sendJson(response, auth.response.status, auth.response.body);
  if (endpoint.method === "GET") {
    const result = endpoint.handle(deps, auth.backends);
    return sendJson(response, result.status, result.body, { compact: endpoint.compact ?? false });
  }
  let bytes: Buffer;
  try {
    bytes = await readBody(request, deps.config.maxRequestBodyBytes);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      return sendJson(response, 413, { error: "Validation error", details: `request body is larger than the limit of ${deps.config.maxRequestBodyBytes} bytes` });
    }
    throw error;
  }
  const parsed = parseJson(bytes);
  if (!parsed.ok) return sendJson(response, UNPARSEABLE_BODY.status, UNPARSEABLE_BODY.body);
  const invalid = bestSchemaError(endpoint.schema, parsed.value);
  if (invalid) {
    const result = validationError(invalid.path, invalid.message);
    return sendJson(response, result.status, result.body);
  }
  const result = await endpoint.handle(deps, auth.backends, parsed.value as Record<string, unknown>);
  sendJson(response, result.status, result.body);
}

/** Returns true if it answered the request (it owns every path it knows, plus the health check). */
export async function handleRest(deps: ControllerDeps, request: NodeRequest, response: NodeResponse): Promise<boolean> {
  const path = (request.url ?? "/").split("?", 1)[0] ?? "/";
  if (path === "/") {
    sendJson(response, 200, { method: request.method ?? "GET" });
    return true;
  }
  if (!path.startsWith(PREFIX)) return false;
  const endpoint = ENDPOINTS[path.slice(PREFIX.length)];
  if (!endpoint) return false;
  await handleEndpoint(deps, endpoint, request, response);
  return true;
}
