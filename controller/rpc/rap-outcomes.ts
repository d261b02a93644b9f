/**
 * The Connect face's rendering of RAP outcomes: typed domain results become proto responses or
 * ConnectErrors directly (no HTTP status numbers in between). Codes follow the REST statuses' meaning
 * (400 → InvalidArgument, 401 → Unauthenticated, 404 → NotFound, 503 → Unavailable); an unexpected
 * failure is Internal and keeps its cause for the server's logs (the client sees only upstream's
 * opaque message). A database that cannot be written (disk full) is Unavailable, with the reason.
 */
import { Code, ConnectError } from "@connectrpc/connect";
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
import type { RequestProblem } from "../rap/request-rules.js";
import { storageUnavailableMessage } from "../store/storage-errors.js";

export function unauthenticated(reason: Extract<ClientAuth, { ok: false }>["reason"]): ConnectError {
  return new ConnectError(AUTH_MESSAGES[reason], Code.Unauthenticated);
}

export function invalidRequest(problem: RequestProblem): ConnectError {
  return new ConnectError(invalidRequestMessage(problem.path, problem.message), Code.InvalidArgument);
}

export interface CreateOutcome {
  readonly result: string;
  readonly details: string;
  readonly rapId: string;
  readonly count: number;
}

/** The response for a create that went through, or the error for one that did not. */
export function createOutcome(rapId: string, result: CreateResult): CreateOutcome {
  switch (result.kind) {
    case "created":
      return { result: "Success", details: createdMessage(rapId), rapId, count: result.count };
    case "no_change":
      return { result: "No change", details: noChangeMessage(rapId), rapId, count: result.count };
    case "nothing_to_do":
      return { result: "Nothing to do", details: result.details, rapId, count: 0 };
    case "forbidden_backend":
      // Deliberately opaque, as upstream.
      throw new ConnectError(UNKNOWN_ERROR, Code.InvalidArgument);
    case "unexpected_error": {
      const storage = storageUnavailableMessage(result.error);
      if (storage !== undefined) throw new ConnectError(storage, Code.Unavailable, undefined, undefined, result.error);
      throw new ConnectError(UNKNOWN_ERROR, Code.Internal, undefined, undefined, result.error);
    }
    case "inconsistent":
      throw new ConnectError(inconsistentMessage(rapId), Code.InvalidArgument);
    case "user_error":
      throw new ConnectError(result.details, Code.InvalidArgument);
  }
}

/** Runs a write; a database that cannot be written becomes Unavailable with the reason. */
export function unavailableIfStorageFails<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    const storage = storageUnavailableMessage(error);
    if (storage !== undefined) throw new ConnectError(storage, Code.Unavailable, undefined, undefined, error);
    throw error;
  }
}

export function cancelOutcome(rapId: string, result: CancelResult): { result: string; details: string; count: number } {
  switch (result.kind) {
    case "cancelled":
      return { result: "Success", details: cancelledMessage(result.count), count: result.count };
    case "no_jobs":
      throw new ConnectError(noJobsMessage(rapId), Code.NotFound);
    case "actions_not_found":
      throw new ConnectError(actionsNotFoundMessage(result.notFound), Code.NotFound);
  }
}
