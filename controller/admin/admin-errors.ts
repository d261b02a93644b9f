/**
 * Why an admin operation was refused, independent of the RPC layer (which maps each kind to a gRPC
 * status code), plus the input check every backend-scoped operation shares.
 */
import type { ControllerDeps } from "../deps.js";

export type AdminErrorKind = "invalid_argument" | "not_found" | "failed_precondition";

export class AdminError extends Error {
  override readonly name = "AdminError";
  constructor(
    readonly kind: AdminErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** The backend slug, lower-cased as upstream's commands do; refused unless it is in BACKENDS. */
export function requireBackend(deps: ControllerDeps, backend: string): string {
  const slug = backend.trim().toLowerCase();
  const known = deps.config.backends.map((config) => config.slug);
  if (!known.includes(slug)) {
    throw new AdminError("invalid_argument", `unknown backend '${backend}'; known backends: ${known.join(", ")}`);
  }
  return slug;
}
