/**
 * The admin token check every AdminService call passes first. The token (RAP_ADMIN_TOKEN) is
 * separate from client and agent tokens; a missing token is Unauthenticated, a wrong one (or any
 * token while no admin token is configured) PermissionDenied. Refused calls are logged.
 */
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import type { ControllerDeps } from "../deps.js";
import { tokenFromHeader, tokensEqual } from "./token.js";

export function requireAdmin(deps: ControllerDeps, context: HandlerContext): void {
  const expected = deps.config.adminToken;
  const token = tokenFromHeader(context.requestHeader.get("authorization"));
  if (token === undefined) {
    deps.log.warn("admin call refused: no token", { method: context.method.name });
    throw new ConnectError("admin token required", Code.Unauthenticated);
  }
  if (expected === undefined || !tokensEqual(token, expected)) {
    deps.log.warn("admin call refused: wrong token", { method: context.method.name });
    throw new ConnectError("this token may not call AdminService", Code.PermissionDenied);
  }
}
