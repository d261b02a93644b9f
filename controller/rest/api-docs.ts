/**
 * The page at /controller/v1/docs/: the OpenAPI document rendered by Redoc (as upstream's page),
 * but with Redoc's standalone bundle served from this controller (docs/redoc.standalone.js) and the
 * document inlined, so it works on an offline backend: navigation, request and response schemas,
 * examples and the auth scheme. Without JavaScript, a server-rendered list of every operation shows.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { objectAt } from "./api-spec.js";

/** The file name the page loads the renderer from, relative to the docs page. */
export const REDOC_SCRIPT = "redoc.standalone.js";

let redocScript: string | undefined;

/** Redoc's standalone bundle (the redoc package, 2.5), read once on first use. */
export function redocStandaloneScript(): string {
  redocScript ??= readFileSync(createRequire(import.meta.url).resolve("redoc/bundles/redoc.standalone.js"), "utf8");
  return redocScript;
}

/**
 * The docs page may load nothing from elsewhere: Redoc's bundle would fetch its logo from a CDN,
 * which an offline backend cannot reach and a browser should not try. Redoc styles inline and
 * starts from the inline init script.
 */
export const DOCS_PAGE_POLICY =
  "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'";

/** JSON safe inside an inline <script>: no `</script>` or `<!--` can close or confuse it. */
function scriptJson(value: JsonValue): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Escaped prose with the document's `code` spans and paragraphs kept. */
function prose(value: JsonValue | undefined): string {
  if (typeof value !== "string") return "";
  return value
    .split("\n\n")
    .map((paragraph) => `<p>${escapeHtml(paragraph).replace(/`([^`]+)`/g, "<code>$1</code>")}</p>`)
    .join("\n");
}

/** A string member of the document, or `fallback`. */
function text(value: JsonValue | undefined, fallback = ""): string {
  return typeof value === "string" ? value : fallback;
}

function pretty(value: JsonValue | undefined): string {
  return value === undefined ? "" : `<pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre>`;
}

/** Follows one local `$ref` (`#/components/...`) so the page shows the schema, not its name. */
function resolve(spec: JsonObject, value: JsonObject | undefined): JsonObject | undefined {
  const ref = value?.$ref;
  if (typeof ref !== "string" || !ref.startsWith("#/")) return value;
  let node: JsonObject | undefined = spec;
  for (const part of ref.slice(2).split("/")) node = objectAt(node, part);
  return node;
}

function operationHtml(spec: JsonObject, base: string, path: string, method: string, operation: JsonObject): string {
  const request = objectAt(objectAt(objectAt(operation, "requestBody"), "content"), "application/json");
  const responses = Object.entries(objectAt(operation, "responses") ?? {}).map(([status, value]) => {
    const response = resolve(spec, value !== null && typeof value === "object" && !Array.isArray(value) ? value : undefined);
    const body = objectAt(objectAt(response, "content"), "application/json");
    return `<h4>${escapeHtml(status)}</h4>\n${prose(response?.description)}\n${pretty(objectAt(body, "examples") ?? undefined)}`;
  });
  return [
    `<section id="${escapeHtml(text(operation.operationId, `${method}-${path}`))}">`,
    `<h2><span class="method">${method.toUpperCase()}</span> <code>${escapeHtml(base + path)}</code></h2>`,
    `<p><strong>${escapeHtml(text(operation.summary))}</strong></p>`,
    prose(operation.description),
    request ? `<h3>Request body</h3>\n${pretty(resolve(spec, objectAt(request, "schema")))}` : "",
    `<h3>Responses</h3>`,
    ...responses,
    `</section>`,
  ].join("\n");
}

export function renderDocsPage(spec: JsonObject): string {
  const info = objectAt(spec, "info");
  const servers = spec.servers;
  const first = Array.isArray(servers) ? servers[0] : undefined;
  const base =
    first !== null && typeof first === "object" && !Array.isArray(first) && typeof first?.url === "string" ? first.url : "";
  const operations: string[] = [];
  for (const [path, item] of Object.entries(objectAt(spec, "paths") ?? {})) {
    for (const method of METHODS) {
      const operation = objectAt(item, method);
      if (operation) operations.push(operationHtml(spec, base, path, method, operation));
    }
  }
  const title = escapeHtml(text(info?.title, "API"));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${title}</title>
<style>
body { margin: 0; }
noscript { display: block; font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
section { border-top: 1px solid #ccc; margin-top: 2rem; }
.method { background: #234; color: #fff; padding: 0 .4rem; border-radius: .2rem; }
pre { background: #f4f4f4; padding: .5rem; overflow-x: auto; }
</style>
</head>
<body>
<div id="redoc"></div>
<noscript>
<h1>${title} ${escapeHtml(text(info?.version))}</h1>
${prose(info?.description)}
<p>The machine-readable document is at <a href="${escapeHtml(base)}/spec.json"><code>${escapeHtml(base)}/spec.json</code></a>.</p>
${operations.join("\n")}
</noscript>
<script src="${REDOC_SCRIPT}"></script>
<script>
Redoc.init(${scriptJson(spec)}, { hideDownloadButton: false, expandResponses: "200,201", pathInMiddlePanel: true, disableSearch: false }, document.getElementById("redoc"));
</script>
</body>
</html>
`;
}
