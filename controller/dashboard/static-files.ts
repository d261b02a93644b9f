/**
 * Serves the dashboard's built files (dashboard/dist, made by `npm run build:dashboard`) under
 * /dashboard/. Only the files the build writes are served, by name; nothing else on disk is reachable.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { NodeResponse } from "../rest/http-io.js";

const DIST = fileURLToPath(new URL("../../dashboard/dist/", import.meta.url));
const FILES: Readonly<Record<string, string>> = {
  "index.html": "text/html; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  "app.css": "text/css; charset=utf-8",
};
const HEADERS = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
  // Scripts and styles only from the controller itself; the page talks only to its own origin.
  "content-security-policy":
    "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "cache-control": "no-cache",
};

export function serveDashboardFile(response: NodeResponse, path: string): void {
  const name = path === "/dashboard/" ? "index.html" : path.slice("/dashboard/".length);
  const type = Object.hasOwn(FILES, name) ? FILES[name] : undefined;
  if (type === undefined) {
    response.writeHead(404, { ...HEADERS, "content-type": "text/plain; charset=utf-8" });
    response.end("not found\n");
    return;
  }
  const file = `${DIST}${name}`;
  if (!existsSync(file)) {
    response.writeHead(503, { ...HEADERS, "content-type": "text/plain; charset=utf-8" });
    response.end("the dashboard is not built: run `npm run build:dashboard`\n");
    return;
  }
  const body = readFileSync(file);
  response.writeHead(200, { ...HEADERS, "content-type": type, "content-length": body.length });
  response.end(body);
}
