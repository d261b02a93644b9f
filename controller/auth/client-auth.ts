/** RAP API client tokens (reference/jobrunner.md §1.1): the raw Authorization value names the backends. */
import type { ControllerConfig } from "../config.js";
import { tokenFromHeader, tokensEqual } from "./token.js";

/** Who the caller is, or why not: each face renders a refusal its own way (REST 401, Connect Unauthenticated). */
export type ClientAuth =
  | { readonly ok: true; readonly backends: readonly string[] }
  | { readonly ok: false; readonly reason: "no_token" | "invalid_token" };

export function authenticateClient(config: ControllerConfig, header: string | null | undefined): ClientAuth {
  const token = tokenFromHeader(header);
  if (token === undefined) return { ok: false, reason: "no_token" };
  let backends: readonly string[] | undefined;
  // Compare against every token so timing does not reveal how close a guess was.
  for (const [known, allowed] of config.clientTokens) if (tokensEqual(token, known)) backends = allowed;
  return backends ? { ok: true, backends } : { ok: false, reason: "invalid_token" };
}
