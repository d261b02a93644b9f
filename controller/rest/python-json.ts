/**
 * Response bodies rendered byte-for-byte as upstream's Django views render them: json.dumps with
 * `", "`/`": "` separators and ASCII escapes, or the compact form backend/status uses.
 */
import { pyFloatRepr } from "../pipeline/python-format.js";
import { pyJsonString } from "../pipeline/python-json.js";

export function pythonJson(value: unknown, compact = false): string {
  const [comma, colon] = compact ? [",", ":"] : [", ", ": "];
  const render = (item: unknown): string => {
    if (item === null || item === undefined) return "null";
    if (typeof item === "boolean") return item ? "true" : "false";
    if (typeof item === "number") return Number.isInteger(item) ? String(item) : pyFloatRepr(item);
    if (typeof item === "bigint") return item.toString();
    if (typeof item === "string") return pyJsonString(item);
    if (Array.isArray(item)) return `[${item.map(render).join(comma)}]`;
    const entries = Object.entries(item as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.map(([key, v]) => `${pyJsonString(key)}${colon}${render(v)}`).join(comma)}}`;
  };
  return render(value);
}
