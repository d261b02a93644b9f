/**
 * The subset of JSON Schema the RAP API's request bodies use (type, required, properties, items,
 * pattern, enum, minItems), reporting the one error upstream's jsonschema 4.26 `best_match` picks,
 * in its words. Values are Python-shaped (see python-json-parse.ts) so they are quoted as repr().
 *
 * best_match keeps the error with the greatest key (-depth, path, type mismatch), the first one on
 * ties: the shallowest error wins; between siblings the greater path wins (so `$.rap_ids[1]` beats
 * `$.rap_ids[0]`, and `$.workspace` beats `$.rap_id`); then an error whose value has the wrong type.
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
  readonly message: string;
}

interface Candidate {
  readonly parts: readonly (string | number)[];
  readonly typeMismatch: boolean;
  readonly message: string;
}

function isType(value: YamlValue, type: JsonType): boolean {
  switch (type) {
    case "object":
      return value instanceof Map;
    case "array":
      return Array.isArray(value);
    case "string":
      return typeof value === "string";
    case "boolean":
      return typeof value === "boolean";
    case "integer":
      return typeof value === "bigint" || (typeof value === "number" && Number.isInteger(value));
    case "number":
      return typeof value === "bigint" || typeof value === "number";
  }
}

/**
 * Python's `re.search`, except that `$` means the end of the string. Python's `$` also matches
 * before a final newline, so upstream accepts a rap_id of "abcdefgh23456789\n"; we fix that.
 */
function matchesPattern(pattern: string, value: string): boolean {
  return new RegExp(pattern, "u").test(value);
}

function collect(schema: Schema, value: YamlValue, parts: (string | number)[], out: Candidate[]): void {
  // As jsonschema's _matches_type: a schema without `type` counts as a mismatch.
  const typeMismatch = schema.type === undefined || !isType(value, schema.type);
  const error = (message: string) => out.push({ parts: [...parts], typeMismatch, message });
  if (schema.type !== undefined && typeMismatch) error(`${pyRepr(value)} is not of type '${schema.type}'`);
  if (schema.enum !== undefined && !(typeof value === "string" && schema.enum.includes(value))) {
    error(`${pyRepr(value)} is not one of ${pyRepr([...schema.enum])}`);
  }
  if (typeof value === "string" && schema.pattern !== undefined && !matchesPattern(schema.pattern, value)) {
    error(`${pyRepr(value)} does not match ${pyRepr(schema.pattern)}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) {
      error(`${pyRepr(value)} ${schema.minItems === 1 ? "should be non-empty" : "is too short"}`);
    }
    const items = schema.items;
    if (items) value.forEach((item, index) => collect(items, item, [...parts, index], out));
  }
  if (value instanceof Map) {
    for (const key of schema.required ?? []) {
      if (!value.has(key)) error(`${pyRepr(key)} is a required property`);
    }
    for (const [key, child] of Object.entries(schema.properties ?? {})) {
      if (value.has(key)) collect(child, value.get(key) ?? null, [...parts, key], out);
    }
  }
}

/** Python's ordering of two paths of equal length (their elements are the same kind at each step). */
function comparePaths(a: readonly (string | number)[], b: readonly (string | number)[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** Positive when `a` is the better match under best_match's relevance key. */
function relevance(a: Candidate, b: Candidate): number {
  if (a.parts.length !== b.parts.length) return b.parts.length - a.parts.length;
  const byPath = comparePaths(a.parts, b.parts);
  if (byPath !== 0) return byPath;
  return Number(a.typeMismatch) - Number(b.typeMismatch);
}

/** jsonschema's json_path for a path (our property names never need the bracketed form). */
function jsonPath(parts: readonly (string | number)[]): string {
  return parts.map((part) => (typeof part === "number" ? `[${part}]` : `.${part}`)).reduce((path, part) => path + part, "$");
}

/** The error upstream reports for `value`, or undefined when it is valid. */
export function bestSchemaError(schema: Schema, value: YamlValue): SchemaError | undefined {
  const candidates: Candidate[] = [];
  collect(schema, value, [], candidates);
  let best: Candidate | undefined;
  for (const candidate of candidates) if (!best || relevance(candidate, best) > 0) best = candidate;
  return best && { path: jsonPath(best.parts), message: best.message };
}
