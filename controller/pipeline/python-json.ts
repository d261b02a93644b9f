/**
 * Python's `json.dumps(value)` with default settings: `", "` and `": "` separators,
 * `ensure_ascii=True` (non-ASCII as \uXXXX), floats via repr, NaN/Infinity allowed.
 * Used for the `--config` argument and for the CLI's `--json` output.
 */
import { pyFloatRepr } from "./python-format.js";
import type { YamlValue } from "./yaml-types.js";

/** Thrown for a mapping key json.dumps cannot encode (a list or mapping used as a key). */
export class JsonKeyError extends Error {
  override readonly name = "JsonKeyError";
}

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
};

export function pyJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s.charAt(i);
    const short = SHORT_ESCAPES[ch];
    if (short !== undefined) {
      out += short;
      continue;
    }
    const unit = s.charCodeAt(i);
    // Iterating UTF-16 units means astral characters come out as surrogate pairs, as in Python.
    if (unit < 0x20 || unit > 0x7e) out += `\\u${unit.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return out + '"';
}

function jsonFloat(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "-Infinity";
  return pyFloatRepr(x);
}

/** How json.dumps turns a dict key into a string. */
export function pyJsonKey(key: YamlValue): string {
  if (typeof key === "string") return key;
  if (key === null) return "null";
  if (key === true) return "true";
  if (key === false) return "false";
  if (typeof key === "bigint") return key.toString();
  if (typeof key === "number") return jsonFloat(key);
  throw new JsonKeyError("keys must be str, int, float, bool or None");
}

export function pyJsonDumps(value: YamlValue): string {
  if (value === null) return "null";
  if (value === true) return "true";
  if (value === false) return "false";
  if (typeof value === "string") return pyJsonString(value);
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") return jsonFloat(value);
  if (Array.isArray(value)) return `[${value.map(pyJsonDumps).join(", ")}]`;
  const items = [...value.entries()].map(([k, v]) => `${pyJsonString(pyJsonKey(k))}: ${pyJsonDumps(v)}`);
  return `{${items.join(", ")}}`;
}
