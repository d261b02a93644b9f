/**
 * The page at /controller/v1/docs/: every operation of the OpenAPI document, rendered on the server
 * into one self-contained HTML page (upstream loads Redoc from a CDN; our backends are offline).
 */
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { objectAt } from "./api-spec.js";

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
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
section { border-top: 1px solid #ccc; margin-top: 2rem; }
.method { background: #234; color: #fff; padding: 0 .4rem; border-radius: .2rem; }
pre { background: #f4f4f4; padding: .5rem; overflow-x: auto; }
</style>
</head>
<body>
<h1>${title} ${escapeHtml(text(info?.version))}</h1>
${prose(info?.description)}
<p>The machine-readable document is at <a href="${escapeHtml(base)}/spec.json"><code>${escapeHtml(base)}/spec.json</code></a>.</p>
${operations.join("\n")}
</body>
</html>
`;
}
