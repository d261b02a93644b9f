/**
 * The subset of JSON Schema the RAP API's request bodies use (type, required, properties, items,
 * pattern, enum, minItems), reporting the one error upstream's jsonschema `best_match` would pick,
 * in its words: shallowest error first, ties in schema order, values in Python repr.
 */
import { pyRepr } from "../pipeline/python-format.js";
import type { YamlValue } from "../pipeline/yaml-value.js";

export type JsonType = "object" | "array" | "string" | "boolean" | "integer" | "number";

export interface Schema {
  readonly type?: JsonType;
  readonly required?: readonly string[];
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly items?: Schema;
  readonly pattern?: string;
  readonly enum?: readonly string[];
  readonly minItems?: number;
}

export interface SchemaError {
  /** jsonschema's json_path: `$`, `$.rap_ids[0]`, … */
  readonly path: string;
  readonly depth: number;
  readonly message: string;
}

/** A parsed JSON value as Python sees it, for repr in messages. */
function toPython(value: unknown): YamlValue {
  if (value === null || typeof value === "boolean" || typeof value === "string") return value;
  if (typeof value === "number") return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toPython);
  const map = new Map<YamlValue, YamlValue>();
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) map.set(key, toPython(item));
  return map;
}

const repr = (value: unknown): string => pyRepr(toPython(value));

function isType(value: unknown, type: JsonType): boolean {
  switch (type) {
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value);
    case "array":
      return Array.isArray(value);
    case "string":
      return typeof value === "string";
    case "boolean":
      return typeof value === "boolean";
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "number":
      return typeof value === "number";
  }
}

function collect(schema: Schema, value: unknown, path: string, depth: number, out: SchemaError[]): void {
  const error = (message: string) => out.push({ path, depth, message });
  if (schema.type !== undefined && !isType(value, schema.type)) {
    error(`${repr(value)} is not of type '${schema.type}'`);
  }
  if (schema.enum !== undefined && !schema.enum.includes(value as string)) {
    error(`${repr(value)} is not one of ${repr(schema.enum)}`);
  }
  if (typeof value === "string" && schema.pattern !== undefined && !new RegExp(schema.pattern, "u").test(value)) {
    error(`${repr(value)} does not match ${repr(schema.pattern)}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) {
      error(schema.minItems === 1 ? `${repr(value)} should be non-empty` : `${repr(value)} is too short`);
    }
    if (schema.items) value.forEach((item, index) => collect(schema.items!, item, `${path}[${index}]`, depth + 1, out));
  }
  if (isType(value, "object")) {
    const object = value as Record<string, unknown>;
    for (const key of schema.required ?? []) {
      if (!Object.hasOwn(object, key)) error(`${repr(key)} is a required property`);
    }
    for (const [key, child] of Object.entries(schema.properties ?? {})) {
      if (Object.hasOwn(object, key)) collect(child, object[key], `${path}.${key}`, depth + 1, out);
    }
  }
}

/** The error upstream reports for `value`, or undefined when it is valid. */
export function bestSchemaError(schema: Schema, value: unknown): SchemaError | undefined {
  const errors: SchemaError[] = [];
  collect(schema, value, "$", 0, errors);
  let best: SchemaError | undefined;
  for (const candidate of errors) if (!best || candidate.depth < best.depth) best = candidate;
  return best;
}
