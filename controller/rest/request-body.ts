/**
 * Turning a RAP request body into the plain object the handlers take, with upstream's two 400s on
 * the way: "could not parse JSON from request body", then the schema message with its JSON path.
 * (The Connect face checks its typed requests against the same field rules in rap/request-rules.ts.)
 */
import type { YamlValue } from "../pipeline/yaml-value.js";
import { UNPARSEABLE_BODY, validationError, type RapResponse } from "./rap-responses.js";
import { bestSchemaError, type Schema } from "./json-schema.js";
import { parsePythonJson } from "./python-json-parse.js";

export type BodyCheck =
  { readonly ok: true; readonly body: Record<string, unknown> } | { readonly ok: false; readonly response: RapResponse };

/**
 * Plain JavaScript form of a Python-shaped value. Object.fromEntries defines own properties, so a
 * `__proto__` key stays an ordinary (ignored) field instead of becoming the object's prototype.
 */
function toPlain(value: YamlValue): unknown {
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value)) return value.map(toPlain);
  if (value instanceof Map)
    return Object.fromEntries(
      [...value].map(([key, item]) => [typeof key === "string" ? key : String(toPlain(key)), toPlain(item)]),
    );
  return value;
}

function checkBody(schema: Schema, value: YamlValue): BodyCheck {
  const invalid = bestSchemaError(schema, value);
  if (invalid) return { ok: false, response: validationError(invalid.path, invalid.message) };
  // The schema guarantees an object at the top.
  return { ok: true, body: toPlain(value) as Record<string, unknown> };
}

export function parseBody(schema: Schema, bytes: Uint8Array): BodyCheck {
  const parsed = parsePythonJson(bytes);
  if (!parsed.ok) return { ok: false, response: UNPARSEABLE_BODY };
  return checkBody(schema, parsed.value);
}
