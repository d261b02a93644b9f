/**
 * The words job-server sees for each RAP outcome, as upstream writes them. Both faces use them: the
 * REST gateway in its JSON bodies (rest/rap-responses.ts), the Connect face in its responses and
 * error messages (rpc/rap-outcomes.ts); each face picks its own status codes.
 */
export const AUTH_MESSAGES = { no_token: "No token provided", invalid_token: "Invalid token" } as const;

export const UNKNOWN_ERROR = "Unknown error";

export const createdMessage = (rapId: string) => `Jobs created for rap_id '${rapId}'`;
export const noChangeMessage = (rapId: string) => `Jobs already created for rap_id '${rapId}'`;
export const inconsistentMessage = (rapId: string) =>
  `Jobs already created for rap_id '${rapId}' are inconsistent with request data`;

export const cancelledMessage = (count: number) => `${count} actions cancelled`;
export const noJobsMessage = (rapId: string) => `No jobs found for rap_id ${rapId}`;
export const actionsNotFoundMessage = (notFound: readonly string[]) =>
  `Jobs matching requested cancelled actions could not be found: ${notFound.join(",")}`;

/** A request that breaks one of the API's field rules, in upstream's schema-error words. */
export const invalidRequestMessage = (path: string, message: string) =>
  `Invalid request body received${path === "$" ? "" : ` at ${path}`}: ${message}`;
