/** Reading bounded request bodies and writing JSON responses on node's http and http2 objects. */
import type { NodeRequest, NodeResponse } from "../node-http.js";
import { pythonJson } from "./python-json.js";

export type { NodeRequest, NodeResponse };

export class BodyTooLargeError extends Error {
  override readonly name = "BodyTooLargeError";
}

/** Reads the whole body, refusing (without buffering further) once it passes `limitBytes`. */
export async function readBody(request: NodeRequest, limitBytes: number): Promise<Buffer> {
  const declared = Number(request.headers["content-length"] ?? "0");
  if (declared > limitBytes) throw new BodyTooLargeError(`request body exceeds ${limitBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw new BodyTooLargeError(`request body exceeds ${limitBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The headers Django's default security and clickjacking middleware add to every upstream response. */
const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
  "cross-origin-opener-policy": "same-origin",
} as const;

function send(
  response: NodeResponse,
  status: number,
  headers: Readonly<Record<string, string>>,
  body: string | Buffer = "",
): void {
  response.writeHead(status, { ...SECURITY_HEADERS, ...headers, "content-length": Buffer.byteLength(body) });
  response.end(body);
}

export function sendJson(response: NodeResponse, status: number, body: unknown, options: { compact?: boolean } = {}): void {
  send(response, status, { "content-type": "application/json" }, pythonJson(body, options.compact ?? false));
}

export function sendHtml(
  response: NodeResponse,
  status: number,
  html: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  send(response, status, { "content-type": "text/html; charset=utf-8", ...headers }, html);
}

/** A script served from this origin (the docs page's bundled renderer), cacheable for a day. */
export function sendScript(response: NodeResponse, script: string): void {
  send(response, 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=86400" }, script);
}

/** Django's HttpResponseNotAllowed: 405, an `Allow` header and an empty body. */
export function sendMethodNotAllowed(response: NodeResponse, allow: string): void {
  send(response, 405, { allow, "content-type": "text/html; charset=utf-8" });
}

/** Django's APPEND_SLASH redirect: 301 to the same path with a slash, empty body. */
export function sendPermanentRedirect(response: NodeResponse, location: string): void {
  send(response, 301, { location, "content-type": "text/html; charset=utf-8" });
}
