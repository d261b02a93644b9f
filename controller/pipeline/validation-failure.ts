/**
 * Internal error type for a project that fails validation, plus small type-check helpers that
 * produce upstream's wording. parse-project.ts turns a ValidationFailure into the public
 * ProjectValidationError (adding upstream's `Invalid project: \n` prefix); `rap validate` turns
 * each one into a positioned diagnostic (diagnostics.ts).
 */
import type { YamlMap, YamlValue } from "./yaml-value.js";

/**
 * Where in the document a problem is: the keys (and, in lists, indexes) from the top-level mapping
 * down, and whether the key itself or its value is at fault. An empty path is the whole document.
 */
export interface Location {
  readonly path: readonly YamlValue[];
  readonly on: "key" | "value";
}

export const DOCUMENT: Location = { path: [], on: "value" };

export function valueAt(...path: YamlValue[]): Location {
  return { path, on: "value" };
}

export function keyAt(...path: YamlValue[]): Location {
  return { path, on: "key" };
}

export class ValidationFailure extends Error {
  override readonly name = "ValidationFailure";

  constructor(
    message: string,
    readonly at: Location = DOCUMENT,
    /** A suggestion shown after the message by `rap validate` (never part of upstream's text). */
    readonly hint: string | null = null,
  ) {
    super(message);
  }
}

/**
 * A failure upstream reports as a bare exception rather than a validation error, so its text is
 * shown without the `Invalid project: \n` prefix (e.g. a version above the latest).
 */
export class UnprefixedFailure extends ValidationFailure {}

/** Every failure says where it is, so that `rap validate` can point at it. */
export function fail(message: string, at: Location, hint: string | null = null): never {
  throw new ValidationFailure(message, at, hint);
}

export function isMapping(value: YamlValue | undefined): value is YamlMap {
  return value instanceof Map;
}

export function isList(value: YamlValue | undefined): value is YamlValue[] {
  return Array.isArray(value);
}

/** `<where> must be a dictionary of key/value pairs` unless `value` is a mapping. */
export function requireMapping(value: YamlValue | undefined, where: string, at: Location): YamlMap {
  if (!isMapping(value)) fail(`${where} must be a dictionary of key/value pairs`, at);
  return value;
}

export function requireString(value: YamlValue | undefined, where: string, at: Location): string {
  if (typeof value !== "string") fail(`${where} must be a string`, at);
  return value;
}

/** Look up a string key; an absent key and an explicit null both come back as null. */
export function lookup(map: YamlMap, key: string): YamlValue {
  return map.get(key) ?? null;
}
