/**
 * Small formatting helpers that reproduce what upstream's Python prints, so files and messages
 * read byte-for-byte the same: float rounding and repr, `json.dumps(indent=2)`, the two-column
 * `tabulate` of the job log, code-point string ordering and Python truthiness.
 */

/** Orders strings by Unicode code point, as Python's `sorted()` does (JS `sort()` uses UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** `numerator / denominator` rounded to hundredths, ties to even (Python's `round(x, 2)` on an exact value). */
function hundredths(numerator: bigint, denominator: bigint): bigint {
  const scaled = numerator * 100n;
  const quotient = scaled / denominator;
  const twiceRemainder = (scaled % denominator) * 2n;
  if (twiceRemainder > denominator || (twiceRemainder === denominator && quotient % 2n === 1n)) return quotient + 1n;
  return quotient;
}

/** Python `repr(round(bytes / divisor, 2))`, e.g. `1.0`, `0.12`, `15.5`. */
export function pythonRound2Repr(bytes: number, divisor: number): string {
  const value = hundredths(BigInt(Math.trunc(bytes)), BigInt(divisor));
  const whole = value / 100n;
  const fraction = value % 100n;
  if (fraction === 0n) return `${whole}.0`;
  if (fraction % 10n === 0n) return `${whole}.${fraction / 10n}`;
  return `${whole}.${String(fraction).padStart(2, "0")}`;
}

/** Python `f"{bytes / divisor:.2f}"`, e.g. `2.00`, `0.12`. */
export function pythonFixed2(bytes: number, divisor: number): string {
  const value = hundredths(BigInt(Math.trunc(bytes)), BigInt(divisor));
  return `${value / 100n}.${String(value % 100n).padStart(2, "0")}`;
}

/** Bytes shown in MB (1048576 bytes) the way upstream's L4 messages print them. */
export function megabytes(bytes: number): string {
  return pythonRound2Repr(bytes, 1024 * 1024);
}

/**
 * `json.dumps(value, indent=2)`: same layout as `JSON.stringify(value, null, 2)`, plus Python's
 * default `ensure_ascii`, which writes every character outside printable ASCII as `\uXXXX`.
 */
export function pythonJsonDumps(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    /[\u007f-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Python truthiness of a JSON-like value. */
export function pythonTruthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === "") return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.keys(value).length > 0;
  return true;
}

/** `str(value)` for the scalar values the job log prints. */
export function pythonStr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  return JSON.stringify(value);
}

/**
 * Two left-aligned columns (each padded to its widest cell, in code points), joined by
 * `separator`, every line indented; `empty` is printed (indented) when there are no rows.
 */
export function tabulate(rows: ReadonlyArray<readonly [string, string]>, separator: string, indent: number, empty = ""): string {
  const pad = " ".repeat(indent);
  if (rows.length === 0) return `${pad}${empty}`;
  const width = (text: string): number => [...text].length;
  const first = Math.max(...rows.map(([a]) => width(a)));
  const second = Math.max(...rows.map(([, b]) => width(b)));
  const padTo = (text: string, size: number): string => text + " ".repeat(Math.max(0, size - width(text)));
  return rows.map(([a, b]) => `${pad}${padTo(a, first)}${separator}${padTo(b, second)}`).join("\n");
}
