/**
 * Upstream's status codes and bodies for each RAP outcome. Both faces use this: the REST gateway
 * writes them as they are, the Connect face turns 4xx bodies into ConnectErrors.
 */
import type { CancelResult } from "./cancel-jobs.js";
import type { CreateResult } from "./create-jobs.js";

export interface RapResponse {
  readonly status: number;
  readonly body: Readonly<Record<string, unknown>>;
}

export const UNAUTHORIZED_NO_TOKEN: RapResponse = { status: 401, body: { error: "Unauthorized", details: "No token provided" } };
export const UNAUTHORIZED_INVALID: RapResponse = { status: 401, body: { error: "Unauthorized", details: "Invalid token" } };
export const UNPARSEABLE_BODY: RapResponse = {
  status: 400,
  body: { error: "Validation error", details: "could not parse JSON from request body" },
};

export function validationError(path: string, message: string): RapResponse {
  const where = path === "$" ? "" : ` at ${path}`;
  return { status: 400, body: { error: "Validation error", details: `Invalid request body received${where}: ${message}` } };
}

export function createResponse(rapId: string, result: CreateResult): RapResponse {
  switch (result.kind) {
    case "created":
      return {
        status: 201,
        body: { result: "Success", details: `Jobs created for rap_id '${rapId}'`, rap_id: rapId, count: result.count },
      };
    case "no_change":
      return {
        status: 200,
        body: { result: "No change", details: `Jobs already created for rap_id '${rapId}'`, rap_id: rapId, count: result.count },
      };
    case "nothing_to_do":
      return { status: 200, body: { result: "Nothing to do", details: result.details, rap_id: rapId, count: 0 } };
    case "forbidden_backend":
    case "unexpected_error":
      // Deliberately opaque, and 400 rather than 500, as upstream.
      return { status: 400, body: { error: "Error creating jobs", details: "Unknown error" } };
    case "inconsistent":
      return {
        status: 400,
        body: {
          error: "Inconsistent request data",
          details: `Jobs already created for rap_id '${rapId}' are inconsistent with request data`,
        },
      };
    case "user_error":
      return { status: 400, body: { error: "Error creating jobs", details: result.details } };
  }
}

export function cancelResponse(rapId: string, result: CancelResult): RapResponse {
  switch (result.kind) {
    case "cancelled":
      return { status: 200, body: { result: "Success", details: `${result.count} actions cancelled`, count: result.count } };
    // Lower-case "jobs not found", as upstream sends it (its own spec example says "Jobs not found").
    case "no_jobs":
      return { status: 404, body: { error: "jobs not found", details: `No jobs found for rap_id ${rapId}`, rap_id: rapId } };
    case "actions_not_found":
      return {
        status: 404,
        body: {
          error: "jobs not found",
          details: `Jobs matching requested cancelled actions could not be found: ${result.notFound.join(",")}`,
          rap_id: rapId,
          not_found: [...result.notFound],
        },
      };
  }
}
