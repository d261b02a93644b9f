/** Errors raised by job creation and the RAP handlers, mapped to HTTP and Connect at the edges. */

/**
 * A problem the user can fix (bad project.yaml, unknown action, git error). Upstream passes these
 * messages through to job-server verbatim as 400 "Error creating jobs".
 */
export class UserActionableError extends Error {
  override readonly name = "UserActionableError";
}

/** Nothing new to run: upstream's 200 "Nothing to do". */
export class NothingToDoError extends Error {
  override readonly name = "NothingToDoError";
}
