/**
 * The upstream REST paths job-server calls (reference/jobrunner.md §1), checked in upstream's order:
 * method (405), token (401), body parse (400), schema (400), then the same handlers the Connect
 * routes call. Every error is a JSON body with `details`; nothing here answers with HTML, except the
 * docs page and the empty bodies of 405s and redirects, as upstream.
 */
import type { ControllerDeps } from "../deps.js";
import { backendsStatus } from "../rap/backend-status.js";
import { cancelJobs } from "../rap/cancel-jobs.js";
import { authenticateClient } from "../auth/client-auth.js";
import { createJobs } from "../rap/create-jobs.js";
import { jobsStatus } from "../rap/jobs-status.js";
import { storageUnavailableMessage } from "../store/storage-errors.js";
import {
  cancelResponse,
  createResponse,
  storageUnavailableResponse,
  unauthorizedResponse,
  type RapResponse,
} from "./rap-responses.js";
import { DOCS_PAGE_POLICY, REDOC_SCRIPT, redocStandaloneScript, renderDocsPage } from "./api-docs.js";
import { API_SPEC } from "./api-spec.js";
import {
  BodyTooLargeError,
  readBody,
  sendHtml,
  sendScript,
  sendJson,
  sendMethodNotAllowed,
  sendPermanentRedirect,
  type NodeRequest,
  type NodeResponse,
} from "./http-io.js";
import type { Schema } from "./json-schema.js";
import { parseBody } from "./request-body.js";
import { createRequestFromJson } from "./request-mapping.js";
import { CANCEL_REQUEST_SCHEMA, CREATE_REQUEST_SCHEMA, STATUS_REQUEST_SCHEMA } from "./request-schemas.js";

export const API_PREFIX = "/controller/v1/";

/**
 * Django's default DATA_UPLOAD_MAX_MEMORY_SIZE: upstream refuses larger bodies (with an HTML 400;
 * we answer JSON). MAX_REQUEST_BODY_BYTES can only lower it.
 */
const UPSTREAM_BODY_LIMIT = 2_621_440;

type Endpoint =
  | {
      readonly method: "GET";
      readonly handle: (deps: ControllerDeps, backends: readonly string[]) => RapResponse;
      readonly compact?: boolean;
    }
  | {
      readonly method: "POST";
      readonly schema: Schema;
      readonly handle: (
        deps: ControllerDeps,
        backends: readonly string[],
        body: Record<string, unknown>,
      ) => RapResponse | Promise<RapResponse>;
    };

/** The RAP API's operations by path under API_PREFIX (the OpenAPI document lists the same). */
export const API_ENDPOINTS: Readonly<Record<string, Endpoint>> = {
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
      if (result.kind === "unexpected_error")
        deps.log.error("unexpected error creating jobs", { rap_id: request.rapId, error: result.error });
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

const DOCS_PAGE = renderDocsPage(API_SPEC);

/** Documentation routes under API_PREFIX: any method, no token, as upstream. */
export const DOC_ROUTES: Readonly<Record<string, (response: NodeResponse) => void>> = {
  "spec.json": (response) => sendJson(response, 200, API_SPEC),
  "docs/": (response) => sendHtml(response, 200, DOCS_PAGE, { "content-security-policy": DOCS_PAGE_POLICY }),
};

/** Files the docs page loads (not API routes, so not in the OpenAPI document). */
const DOC_ASSETS: Readonly<Record<string, (response: NodeResponse) => void>> = {
  [`docs/${REDOC_SCRIPT}`]: (response) => sendScript(response, redocStandaloneScript()),
};

async function handleEndpoint(
  deps: ControllerDeps,
  endpoint: Endpoint,
  request: NodeRequest,
  response: NodeResponse,
): Promise<void> {
  if (request.method !== endpoint.method) return sendMethodNotAllowed(response, endpoint.method);
  const auth = authenticateClient(deps.config, request.headers.authorization);
  if (!auth.ok) {
    const refusal = unauthorizedResponse(auth.reason);
    return sendJson(response, refusal.status, refusal.body);
  }
  if (endpoint.method === "GET") {
    const result = await answerOrStorageUnavailable(deps, () => endpoint.handle(deps, auth.backends));
    return sendJson(response, result.status, result.body, { compact: endpoint.compact ?? false });
  }
  const limit = Math.min(deps.config.maxRequestBodyBytes, UPSTREAM_BODY_LIMIT);
  let bytes: Buffer;
  try {
    bytes = await readBody(request, limit);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    return sendJson(response, 400, { error: "Validation error", details: `Request body is larger than ${limit} bytes` });
  }
  const checked = parseBody(endpoint.schema, bytes);
  if (!checked.ok) return sendJson(response, checked.response.status, checked.response.body);
  const result = await answerOrStorageUnavailable(deps, () => endpoint.handle(deps, auth.backends, checked.body));
  sendJson(response, result.status, result.body);
}

/** A handler whose write failed because the database cannot be written answers 503, not 500. */
async function answerOrStorageUnavailable(deps: ControllerDeps, handle: () => RapResponse | Promise<RapResponse>) {
  try {
    return await handle();
  } catch (error) {
    const storage = storageUnavailableMessage(error);
    if (storage === undefined) throw error;
    deps.log.error("database cannot be written; request refused", { error });
    return storageUnavailableResponse(storage);
  }
}

/** A route table lookup that cannot land on Object.prototype (`/controller/v1/constructor`). */
function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** Returns true if it answered the request (it owns every path it knows, plus the health check). */
export async function handleRest(deps: ControllerDeps, request: NodeRequest, response: NodeResponse): Promise<boolean> {
  const url = request.url ?? "/";
  const queryAt = url.indexOf("?");
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  if (path === "/") {
    sendJson(response, 200, { method: request.method ?? "GET" });
    return true;
  }
  if (!path.startsWith(API_PREFIX)) return false;
  const route = path.slice(API_PREFIX.length);
  const endpoint = own(API_ENDPOINTS, route);
  if (endpoint) {
    await handleEndpoint(deps, endpoint, request, response);
    return true;
  }
  const doc = own(DOC_ROUTES, route) ?? own(DOC_ASSETS, route);
  if (doc) {
    doc(response);
    return true;
  }
  // As Django's APPEND_SLASH (any method; a client that follows it with a GET then gets the 405).
  if (!route.endsWith("/") && (own(API_ENDPOINTS, `${route}/`) || own(DOC_ROUTES, `${route}/`))) {
    sendPermanentRedirect(response, `${path}/${queryAt === -1 ? "" : url.slice(queryAt)}`);
    return true;
  }
  // Not ours: the caller answers a JSON 404 where upstream's Django sends an HTML page.
  return false;
}
