/**
 * Internal error type for a project that fails validation, plus small type-check helpers that
 * produce upstream's wording. parse-project.ts turns a ValidationFailure into the public
 * ProjectValidationError (adding upstream's `Invalid project: \n` prefix).
 */
import type { YamlMap, YamlValue } from "./yaml-value.js";
import { pyStr } from "./python-format.js";

export class ValidationFailure extends Error {
  override readonly name = "ValidationFailure";
}

/**
 * A failure upstream reports as a bare exception rather than a validation error, so its text is
 * shown without the `Invalid project: \n` prefix (e.g. a version above the latest).
 */
export class UnprefixedFailure extends ValidationFailure {}

export function fail(message: string): never {
  throw new ValidationFailure(message);
}

export function isMapping(value: YamlValue | undefined): value is YamlMap {
  return value instanceof Map;
}

export function isList(value: YamlValue | undefined): value is YamlValue[] {
  return Array.isArray(value);
}

/** `<where> must be a dictionary of key/value pairs` unless `value` is a mapping. */
export function requireMapping(value: YamlValue | undefined, where: string): YamlMap {
  if (!isMapping(value)) fail(`${where} must be a dictionary of key/value pairs`);
  return value;
}

export function requireString(value: YamlValue | undefined, where: string): string {
  if (typeof value !== "string") fail(`${where} must be a string`);
  return value;
}

/** Look up a string key; an absent key and an explicit null both come back as null. */
export function lookup(map: YamlMap, key: string): YamlValue {
  return map.get(key) ?? null;
}

/**
 * Upstream spreads mappings into keyword arguments, so every key outside `allowed` is reported,
 * comma-joined in file order. (Keys that would crash Python's keyword passing, such as
 * non-strings, are reported the same way here.)
 */
export function rejectUnexpectedKeys(map: YamlMap, allowed: readonly string[], where: string): void {
  const extra: string[] = [];
  for (const key of map.keys()) {
    if (typeof key === "string" && allowed.includes(key)) continue;
    extra.push(pyStr(key));
  }
  if (extra.length > 0) fail(`Unexpected parameters (${extra.join(", ")}) in ${where}`);
}
