/** Upstream's HTTP status codes and JSON bodies for each RAP outcome: the REST face's rendering. */
import type { ClientAuth } from "../auth/client-auth.js";
import type { CancelResult } from "../rap/cancel-jobs.js";
import type { CreateResult } from "../rap/create-jobs.js";
import {
  actionsNotFoundMessage,
  AUTH_MESSAGES,
  cancelledMessage,
  createdMessage,
  inconsistentMessage,
  invalidRequestMessage,
  noChangeMessage,
  noJobsMessage,
  UNKNOWN_ERROR,
} from "../rap/outcome-messages.js";
import { storageUnavailableMessage } from "../store/storage-errors.js";

export interface RapResponse {
  readonly status: number;
  readonly body: Readonly<Record<string, unknown>>;
}

export function unauthorizedResponse(reason: Extract<ClientAuth, { ok: false }>["reason"]): RapResponse {
  return { status: 401, body: { error: "Unauthorized", details: AUTH_MESSAGES[reason] } };
}
export const UNPARSEABLE_BODY: RapResponse = {
  status: 400,
  body: { error: "Validation error", details: "could not parse JSON from request body" },
};

export function validationError(path: string, message: string): RapResponse {
  return { status: 400, body: { error: "Validation error", details: invalidRequestMessage(path, message) } };
}

/**
 * The database cannot be written (disk full, I/O error): a 503 in upstream's error shape, so that
 * job-server sees a retryable refusal with the reason instead of upstream's opaque 400.
 */
export function storageUnavailableResponse(message: string): RapResponse {
  return { status: 503, body: { error: "Service unavailable", details: message } };
}

export function createResponse(rapId: string, result: CreateResult): RapResponse {
  switch (result.kind) {
    case "created":
      return {
        status: 201,
        body: { result: "Success", details: createdMessage(rapId), rap_id: rapId, count: result.count },
      };
    case "no_change":
      return {
        status: 200,
        body: { result: "No change", details: noChangeMessage(rapId), rap_id: rapId, count: result.count },
      };
    case "nothing_to_do":
      return { status: 200, body: { result: "Nothing to do", details: result.details, rap_id: rapId, count: 0 } };
    case "unexpected_error": {
      const storage = storageUnavailableMessage(result.error);
      if (storage !== undefined) return storageUnavailableResponse(storage);
      // Deliberately opaque, and 400 rather than 500, as upstream.
      return { status: 400, body: { error: "Error creating jobs", details: UNKNOWN_ERROR } };
    }
    case "forbidden_backend":
      return { status: 400, body: { error: "Error creating jobs", details: UNKNOWN_ERROR } };
    case "inconsistent":
      return {
        status: 400,
        body: { error: "Inconsistent request data", details: inconsistentMessage(rapId) },
      };
    case "user_error":
      return { status: 400, body: { error: "Error creating jobs", details: result.details } };
  }
}

export function cancelResponse(rapId: string, result: CancelResult): RapResponse {
  switch (result.kind) {
    case "cancelled":
      return { status: 200, body: { result: "Success", details: cancelledMessage(result.count), count: result.count } };
    // Lower-case "jobs not found", as upstream sends it (its own spec example says "Jobs not found").
    case "no_jobs":
      return { status: 404, body: { error: "jobs not found", details: noJobsMessage(rapId), rap_id: rapId } };
    case "actions_not_found":
      return {
        status: 404,
        body: {
          error: "jobs not found",
          details: actionsNotFoundMessage(result.notFound),
          rap_id: rapId,
          not_found: [...result.notFound],
        },
      };
  }
}
