/**
 * Narrowing the yaml package's output to our YAML value shape (yaml-types.ts), and the helpers that
 * read it. Integers and floats are kept apart (bigint vs number) because upstream is Python: `1` and
 * `1.0` print differently in messages and in `--config` JSON. Mappings are Maps so that file order
 * and non-string keys survive.
 */
import { pyJsonKey } from "./python-json.js";
import { ProjectValidationError } from "./types.js";
import type { YamlMap, YamlScalar, YamlValue } from "./yaml-types.js";

export type { YamlMap, YamlScalar, YamlValue };

/** Narrow the yaml package's untyped output to YamlValue. */
export function toYamlValue(value: unknown): YamlValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "boolean" || typeof value === "string" || typeof value === "number" || typeof value === "bigint") {
    return value;
  }
  if (Array.isArray(value)) return value.map((item: unknown) => toYamlValue(item));
  if (value instanceof Map) {
    const out = new Map<YamlValue, YamlValue>();
    for (const [k, v] of value as Map<unknown, unknown>) out.set(toYamlValue(k), toYamlValue(v));
    return out;
  }
  if (value instanceof Set) {
    const out = new Map<YamlValue, YamlValue>();
    for (const k of value as Set<unknown>) out.set(toYamlValue(k), null);
    return out;
  }
  throw new ProjectValidationError(`unsupported YAML value: ${Object.prototype.toString.call(value)}`);
}

/**
 * Plain JavaScript form for consumers (e.g. ActionSpec.config): mappings become objects whose
 * keys are rendered as Python's json.dumps would render them, integers become numbers.
 */
export function toPlainJs(value: YamlValue): unknown {
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value)) return value.map(toPlainJs);
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) out[plainKey(k)] = toPlainJs(v);
    return out;
  }
  return value;
}

function plainKey(key: YamlValue): string {
  try {
    return pyJsonKey(key);
  } catch {
    return JSON.stringify(toPlainJs(key));
  }
}
