/**
 * The database errors that mean the controller cannot write now but may once an operator frees
 * space: SQLITE_FULL (the disk or tmpfs under the state directory is full; the statement and its
 * transaction were rolled back) and the SQLITE_IOERR family (a write, fsync or shared-memory
 * growth that failed, as ENOSPC on the WAL index does). The faces answer them as "unavailable"
 * (REST 503, Connect Unavailable) with this message instead of a crash or upstream's opaque error.
 */

export const DISK_FULL_MESSAGE =
  "The controller's database could not be written because its disk is full; nothing was changed. Try again later.";

/** What job-server and the agent are told when the database cannot be written. */
export function storageUnavailableMessage(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return undefined;
  if (code === "SQLITE_FULL") return DISK_FULL_MESSAGE;
  if (code.startsWith("SQLITE_IOERR")) {
    return `The controller's database could not be written (${code}); nothing was changed. Try again later.`;
  }
  return undefined;
}
