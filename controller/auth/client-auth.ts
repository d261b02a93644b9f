/** RAP API client tokens (reference/jobrunner.md §1.1): the raw Authorization value names the backends. */
import type { ControllerConfig } from "../config.js";
import { tokenFromHeader, tokensEqual } from "./token.js";
import { UNAUTHORIZED_INVALID, UNAUTHORIZED_NO_TOKEN, type RapResponse } from "../rap/rap-responses.js";

export type ClientAuth =
  { readonly ok: true; readonly backends: readonly string[] } | { readonly ok: false; readonly response: RapResponse };

export function authenticateClient(config: ControllerConfig, header: string | null | undefined): ClientAuth {
  const token = tokenFromHeader(header);
  if (token === undefined) return { ok: false, response: UNAUTHORIZED_NO_TOKEN };
  let backends: readonly string[] | undefined;
  // Compare against every token so timing does not reveal how close a guess was.
  for (const [known, allowed] of config.clientTokens) if (tokensEqual(token, known)) backends = allowed;
  return backends ? { ok: true, backends } : { ok: false, response: UNAUTHORIZED_INVALID };
}
