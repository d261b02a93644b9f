/**
 * The dashboard's login: a person types the dashboard token (DASHBOARD_TOKEN, never the admin token)
 * once; the controller answers with a signed, HttpOnly, SameSite=Strict session cookie, so no token
 * ever sits in the page or its scripts. The cookie is `<expiry ms>.<HMAC-SHA256 of the expiry keyed
 * with the token>`: stateless, valid across restarts, and void as soon as the token changes.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { readBody, type NodeRequest, type NodeResponse } from "../rest/http-io.js";
import { tokensEqual } from "../auth/token.js";

export const SESSION_COOKIE = "rap_dashboard";
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

function mac(token: string, expiresMs: number): string {
  return createHmac("sha256", token).update(`rap-dashboard-session:${expiresMs}`).digest("base64url");
}

export function sessionValue(token: string, nowMs: number): string {
  const expires = nowMs + SESSION_TTL_MS;
  return `${expires}.${mac(token, expires)}`;
}

/** True if the Cookie header holds an unexpired session signed with `token`. */
export function validSession(cookieHeader: string | null | undefined, token: string | undefined, nowMs: number): boolean {
  if (token === undefined || !cookieHeader) return false;
  for (const part of cookieHeader.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name !== SESSION_COOKIE) continue;
    const [expires, signature] = rest.join("=").split(".");
    const expiresMs = Number(expires);
    if (!signature || !Number.isSafeInteger(expiresMs) || expiresMs <= nowMs) return false;
    const expected = Buffer.from(mac(token, expiresMs));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
  return false;
}

function reply(response: NodeResponse, status: number, body: unknown, cookie?: string): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "cache-control": "no-store",
    "content-length": Buffer.byteLength(text),
    ...(cookie ? { "set-cookie": cookie } : {}),
  });
  response.end(text);
}

/** POST /dashboard/login `{"token": "…"}` and POST /dashboard/logout. */
export async function handleSessionRequest(
  request: NodeRequest,
  response: NodeResponse,
  path: string,
  options: { token: string | undefined; nowMs: number; onRefused: () => void },
): Promise<void> {
  if (request.method !== "POST") return reply(response, 405, { error: "use POST" });
  if (path === "/dashboard/logout") {
    return reply(response, 200, { result: "logged out" }, `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`);
  }
  if (options.token === undefined) return reply(response, 403, { error: "the dashboard is not enabled (set DASHBOARD_TOKEN)" });
  let presented: unknown;
  try {
    presented = (JSON.parse((await readBody(request, 4096)).toString("utf8")) as { token?: unknown }).token;
  } catch {
    return reply(response, 400, { error: 'send {"token": "…"}' });
  }
  if (typeof presented !== "string" || !tokensEqual(presented, options.token)) {
    options.onRefused();
    return reply(response, 401, { error: "wrong token" });
  }
  const cookie = `${SESSION_COOKIE}=${sessionValue(options.token, options.nowMs)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_TTL_MS / 1000}`;
  return reply(response, 200, { result: "logged in" }, cookie);
}
