/**
 * Our OpenAPI document of the RAP API (openapi.json, next to this file), served at
 * /controller/v1/spec.json as upstream serves its own. A test keeps it in step with the gateway's
 * routes and request schemas.
 */
import { readFileSync } from "node:fs";
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";

function loadSpec(): JsonObject {
  const parsed: unknown = JSON.parse(readFileSync(new URL("./openapi.json", import.meta.url), "utf8"));
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    throw new Error("openapi.json must hold a JSON object");
  // JSON.parse only ever yields JSON values.
  return parsed as JsonObject;
}

export const API_SPEC: JsonObject = loadSpec();

/** A member of a JSON object, when it is itself an object. */
export function objectAt(value: JsonValue | undefined, key: string): JsonObject | undefined {
  if (value === null || value === undefined || typeof value !== "object" || Array.isArray(value)) return undefined;
  const found = value[key];
  return found !== null && found !== undefined && typeof found === "object" && !Array.isArray(found) ? found : undefined;
}
