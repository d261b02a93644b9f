/**
 * One HTTP/1.1 request with node:http, byte for byte as given: any method, raw bytes for the body,
 * exactly the headers named (no redirects followed, no body re-encoding), so tests see what a
 * client like job-server's `requests` would see.
 */
import http from "node:http";

export interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** The body as UTF-8 text. */
  readonly text: string;
}

export function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: string | Buffer; headers?: Readonly<Record<string, string>>; chunked?: boolean } = {},
): Promise<RawResponse> {
  const body = typeof options.body === "string" ? Buffer.from(options.body, "utf8") : options.body;
  return new Promise<RawResponse>((resolve, reject) => {
    const request = http.request(
      `${baseUrl}${path}`,
      {
        method,
        headers: {
          ...(body !== undefined && !options.chunked ? { "content-length": String(body.length) } : {}),
          ...options.headers,
        },
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString("utf8") }),
        );
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    if (body !== undefined && options.chunked) {
      // Sent in 64 KiB pieces with chunked transfer encoding, so no length is declared up front.
      for (let offset = 0; offset < body.length; offset += 65_536) request.write(body.subarray(offset, offset + 65_536));
    } else if (body !== undefined) {
      request.write(body);
    }
    request.end();
  });
}
