/** Reading bounded request bodies and writing JSON responses on node's http and http2 objects. */
import type { ConnectNodeAdapterOptions } from "@connectrpc/connect-node";
import { pythonJson } from "./python-json.js";

/** Node's HTTP/1.1 or HTTP/2 request and response, as connect-node hands them to a fallback. */
type Fallback = NonNullable<ConnectNodeAdapterOptions["fallback"]>;
export type NodeRequest = Parameters<Fallback>[0];
export type NodeResponse = Parameters<Fallback>[1];

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

export function sendJson(response: NodeResponse, status: number, body: unknown, options: { compact?: boolean } = {}): void {
  const text = pythonJson(body, options.compact ?? false);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}

export function sendMethodNotAllowed(response: NodeResponse, allow: string): void {
  response.writeHead(405, { allow, "content-type": "text/html; charset=utf-8", "content-length": 0 });
  response.end();
}
