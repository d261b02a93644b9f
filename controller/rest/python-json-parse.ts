/**
 * Parsing a request body as upstream's Python does (`json.loads(body.decode())`), so that the values
 * quoted back in validation messages are the ones Python would quote: `1.0` stays a float and `1` an
 * integer (bigint), `NaN`/`Infinity` are accepted, objects keep their key order (JavaScript objects
 * would move integer-like keys first), and a leading byte-order mark is refused.
 *
 * Nesting is capped: Python gives up with a RecursionError (an HTML 500 upstream) somewhere below
 * 1000 levels; we refuse beyond MAX_JSON_DEPTH with the ordinary parse error instead.
 */
import type { YamlMap, YamlValue } from "../pipeline/yaml-value.js";

/** Deepest nesting of arrays and objects accepted. */
export const MAX_JSON_DEPTH = 900;
/** Python 3.12 refuses to convert integers longer than this (a ValueError, so an HTML 500 upstream). */
const MAX_INT_DIGITS = 4300;

export type JsonParse = { readonly ok: true; readonly value: YamlValue } | { readonly ok: false };

class ParseFailure extends Error {}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/y;
const ESCAPES: Readonly<Record<string, string>> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

class Parser {
  private index = 0;

  constructor(private readonly text: string) {}

  parseDocument(): YamlValue {
    const value = this.value(0);
    this.skipWhitespace();
    if (this.index !== this.text.length) throw new ParseFailure("extra data");
    return value;
  }

  private skipWhitespace(): void {
    while (this.index < this.text.length && " \t\n\r".includes(this.text.charAt(this.index))) this.index++;
  }

  private value(depth: number): YamlValue {
    this.skipWhitespace();
    const ch = this.text.charAt(this.index);
    if (ch === "{") return this.object(depth + 1);
    if (ch === "[") return this.array(depth + 1);
    if (ch === '"') return this.string();
    for (const [word, literal] of [
      ["null", null],
      ["true", true],
      ["false", false],
      ["NaN", NaN],
      ["Infinity", Infinity],
      ["-Infinity", -Infinity],
    ] as const) {
      if (this.text.startsWith(word, this.index)) {
        this.index += word.length;
        return literal;
      }
    }
    return this.number();
  }

  private number(): YamlValue {
    NUMBER.lastIndex = this.index;
    const match = NUMBER.exec(this.text);
    if (match === null) throw new ParseFailure("expecting value");
    this.index += match[0].length;
    if (match[1] !== undefined || match[2] !== undefined) return Number(match[0]);
    if (match[0].replace("-", "").length > MAX_INT_DIGITS) throw new ParseFailure("integer too long");
    return BigInt(match[0]);
  }

  private string(): string {
    this.index++; // opening quote
    let out = "";
    for (;;) {
      const ch = this.text.charAt(this.index);
      if (ch === "") throw new ParseFailure("unterminated string");
      this.index++;
      if (ch === '"') return out;
      if (ch < " ") throw new ParseFailure("invalid control character");
      if (ch !== "\\") {
        out += ch;
        continue;
      }
      const escape = this.text.charAt(this.index);
      this.index++;
      if (escape === "u") {
        const hex = this.text.slice(this.index, this.index + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new ParseFailure("invalid \\uXXXX escape");
        this.index += 4;
        out += String.fromCharCode(parseInt(hex, 16));
        continue;
      }
      const decoded = ESCAPES[escape];
      if (decoded === undefined) throw new ParseFailure("invalid escape");
      out += decoded;
    }
  }

  private array(depth: number): YamlValue[] {
    if (depth > MAX_JSON_DEPTH) throw new ParseFailure("nested too deeply");
    this.index++;
    const items: YamlValue[] = [];
    this.skipWhitespace();
    if (this.text.charAt(this.index) === "]") {
      this.index++;
      return items;
    }
    for (;;) {
      items.push(this.value(depth));
      this.skipWhitespace();
      const ch = this.text.charAt(this.index++);
      if (ch === "]") return items;
      if (ch !== ",") throw new ParseFailure("expecting ',' delimiter");
    }
  }

  private object(depth: number): YamlMap {
    if (depth > MAX_JSON_DEPTH) throw new ParseFailure("nested too deeply");
    this.index++;
    const map: YamlMap = new Map();
    this.skipWhitespace();
    if (this.text.charAt(this.index) === "}") {
      this.index++;
      return map;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text.charAt(this.index) !== '"') throw new ParseFailure("expecting property name");
      const key = this.string();
      this.skipWhitespace();
      if (this.text.charAt(this.index++) !== ":") throw new ParseFailure("expecting ':' delimiter");
      // A repeated key keeps its first position and takes the last value, as a Python dict does.
      map.set(key, this.value(depth));
      this.skipWhitespace();
      const ch = this.text.charAt(this.index++);
      if (ch === "}") return map;
      if (ch !== ",") throw new ParseFailure("expecting ',' delimiter");
    }
  }
}

/** UTF-8 bytes to a Python-shaped value, or `{ok: false}` where upstream answers "could not parse JSON". */
export function parsePythonJson(bytes: Uint8Array): JsonParse {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    return { ok: false };
  }
  // json.loads refuses a str that starts with a byte-order mark.
  if (text.startsWith("\ufeff")) return { ok: false };
  try {
    return { ok: true, value: new Parser(text).parseDocument() };
  } catch (error) {
    if (error instanceof ParseFailure) return { ok: false };
    throw error;
  }
}
