/**
 * openapi.json against the code: every route the REST gateway serves is documented and nothing
 * else is, with the same method, and the request schemas in the document are the ones the gateway
 * validates with (descriptions aside).
 */
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { renderDocsPage } from "../../../controller/rest/api-docs.js";
import { API_SPEC, objectAt } from "../../../controller/rest/api-spec.js";
import { API_ENDPOINTS, DOC_ROUTES } from "../../../controller/rest/rest-gateway.js";
import { CANCEL_REQUEST_SCHEMA, CREATE_REQUEST_SCHEMA, STATUS_REQUEST_SCHEMA } from "../../../controller/rest/request-schemas.js";

const paths = objectAt(API_SPEC, "paths") ?? {};
const schemas = objectAt(objectAt(API_SPEC, "components"), "schemas") ?? {};

/** The schema with every `description` removed: prose is the document's, structure is the code's. */
function structure(value: JsonValue | undefined): JsonValue | undefined {
  if (Array.isArray(value)) return value.map((item) => structure(item) ?? null);
  if (value === null || value === undefined || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== "description")
      .map(([key, item]) => [key, structure(item) ?? null]),
  );
}

/** Every local `$ref` in the document. */
function refs(value: JsonValue, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((item) => refs(item, found));
  else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      if (key === "$ref" && typeof item === "string") found.push(item);
      else refs(item, found);
    }
  }
  return found;
}

const methodsOf = (path: string) => Object.keys(objectAt(paths, path) ?? {}).map((method) => method.toUpperCase());

describe("openapi.json", () => {
  it("documents exactly the routes the gateway serves, with their methods", () => {
    const served = [
      ...Object.entries(API_ENDPOINTS).map(([path, endpoint]) => [`/${path}`, [endpoint.method]] as const),
      // Documentation routes answer any method; the document lists the GET a browser uses.
      ...Object.keys(DOC_ROUTES).map((path) => [`/${path}`, ["GET"]] as const),
    ];
    expect(Object.keys(paths).sort()).toEqual(served.map(([path]) => path).sort());
    for (const [path, methods] of served) expect(methodsOf(path), path).toEqual(methods);
  });

  it("serves its paths under the gateway's prefix", () => {
    expect(API_SPEC.servers).toEqual([{ url: "/controller/v1" }]);
  });

  it.each([
    ["createRequestBody", "/rap/create/", CREATE_REQUEST_SCHEMA],
    ["cancelRequestBody", "/rap/cancel/", CANCEL_REQUEST_SCHEMA],
    ["statusRequestBody", "/rap/status/", STATUS_REQUEST_SCHEMA],
  ])("has %s equal to the schema the gateway validates %s with", (name, path, schema) => {
    expect(structure(schemas[name])).toEqual(schema);
    const body = objectAt(objectAt(objectAt(objectAt(paths, path), "post"), "requestBody"), "content");
    expect(objectAt(objectAt(body, "application/json"), "schema")).toEqual({ $ref: `#/components/schemas/${name}` });
  });

  it("documents the errors every operation can answer", () => {
    for (const [path, endpoint] of Object.entries(API_ENDPOINTS)) {
      const responses = Object.keys(
        objectAt(objectAt(objectAt(paths, `/${path}`), endpoint.method.toLowerCase()), "responses") ?? {},
      );
      const expected = endpoint.method === "GET" ? ["200", "401", "405"] : ["200", "400", "401", "405"];
      expect(responses, path).toEqual(expect.arrayContaining(expected));
    }
  });

  it("resolves every $ref", () => {
    for (const ref of refs(API_SPEC)) {
      let node: JsonObject | undefined = API_SPEC;
      for (const part of ref.replace(/^#\//, "").split("/")) node = objectAt(node, part);
      expect(node, ref).toBeDefined();
    }
  });

  it("renders into a Redoc page with the bundled script, the document inline, every operation for no-JS readers, and no outside resources", () => {
    const page = renderDocsPage(API_SPEC);
    for (const path of Object.keys(paths)) expect(page).toContain(`<code>/controller/v1${path}</code>`);
    expect([...page.matchAll(/src="([^"]+)"/g)].map((match) => match[1])).toEqual(["redoc.standalone.js"]);
    expect(page).not.toMatch(/<link|https?:\/\/(?!github\.com)[^"\s]*\.(js|css)/);
    const inline = /Redoc\.init\((.*), \{ hideDownloadButton/.exec(page)?.[1] ?? "";
    expect(JSON.parse(inline)).toEqual(API_SPEC);
    expect(inline).not.toContain("</");
  });
});
