/**
 * Which backend an agent's token belongs to. Looked up by digest (auth/token.ts) so that a storm of
 * connecting agents costs one hash each, not a comparison against every backend's token.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import type { ControllerConfig } from "../config.js";
import { TokenIndex, tokenFromHeader } from "./token.js";

/** Agent token -> backend slug, built once per (frozen) config. */
const agentTokens = new WeakMap<ControllerConfig, TokenIndex<string>>();

/** The backend slug for an agent's Authorization header; Unauthenticated when there is none or it is unknown. */
export function backendForAgentToken(config: ControllerConfig, header: string | null): string {
  const token = tokenFromHeader(header);
  if (token === undefined) throw new ConnectError("No token provided", Code.Unauthenticated);
  let index = agentTokens.get(config);
  if (!index) {
    const entries = config.backends.flatMap((backend) =>
      backend.agentToken === undefined ? [] : [[backend.agentToken, backend.slug] as const],
    );
    agentTokens.set(config, (index = new TokenIndex(entries)));
  }
  const match = index.find(token);
  if (match === undefined) throw new ConnectError("Invalid agent token", Code.Unauthenticated);
  return match;
}
