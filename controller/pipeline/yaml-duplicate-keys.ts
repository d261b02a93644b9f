/**
 * Duplicate mapping keys, reported in the layout of upstream's YAML library (ruamel):
 *
 *   while constructing a mapping
 *     in "<unicode string>", line L, column C:
 *       <source line>
 *       ^ (line: L)
 *   found duplicate key "<key>" with value "<value>" (original value: "<value>")
 *     in "<unicode string>", line L, column C:
 *       ...
 *
 * Keys are compared with Python's equality (so `1`, `1.0` and `true` collide). The search order
 * matches upstream's construction order: a pair's value is examined before its key is checked.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node } from "yaml";
import { pyStr } from "./python-format.js";
import { toYamlValue, type YamlValue } from "./yaml-value.js";

const SOURCE_NAME = "<unicode string>";

export interface DuplicateKey {
  readonly message: string;
  /** Where the repeated key is written. */
  readonly offset: number;
}

/** Every duplicate key, in upstream's construction order (so the first is the one it reports). */
export function findDuplicateKeys(doc: Document, text: string): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  visit(doc.contents, doc, text, found);
  return found;
}

function visit(node: unknown, doc: Document, text: string, found: DuplicateKey[]): void {
  if (isSeq(node)) {
    for (const item of node.items) visit(item, doc, text, found);
    return;
  }
  if (!isMap(node)) return;
  const seen = new Map<string, { keyNode: unknown; valueNode: unknown }>();
  for (const pair of node.items) {
    if (!isPair(pair)) continue;
    visit(pair.key, doc, text, found);
    visit(pair.value, doc, text, found);
    // A merge key (`<<`) is resolved by the YAML library, not stored as a key.
    if (isScalar(pair.key) && typeof pair.key.value === "symbol") continue;
    const identity = keyIdentity(nodeValue(pair.key, doc));
    if (identity === null) continue;
    const earlier = seen.get(identity);
    if (earlier === undefined) {
      seen.set(identity, { keyNode: pair.key, valueNode: pair.value });
      continue;
    }
    const key = pyStr(nodeValue(pair.key, doc));
    const value = pyStr(nodeValue(pair.value, doc));
    const original = pyStr(nodeValue(earlier.valueNode, doc));
    const message = [
      "while constructing a mapping",
      describeMark(text, startOffset(node)),
      `found duplicate key "${key}" with value "${value}" (original value: "${original}")`,
      describeMark(text, startOffset(pair.key)),
    ].join("\n");
    found.push({ message, offset: startOffset(pair.key) });
  }
}

function nodeValue(node: unknown, doc: Document): YamlValue {
  if (node === null || node === undefined) return null;
  if (isAlias(node)) return toYamlValue(node.resolve(doc)?.toJS(doc, { mapAsMap: true }));
  if (isScalar(node) || isMap(node) || isSeq(node)) return toYamlValue((node as Node).toJS(doc, { mapAsMap: true }));
  return null;
}

/** A string equal for keys Python would consider equal; null for unhashable keys. */
function keyIdentity(key: YamlValue): string | null {
  if (key === null) return "none";
  if (typeof key === "string") return `s:${key}`;
  if (typeof key === "boolean") return `n:${key ? 1 : 0}`;
  if (typeof key === "bigint") return `n:${key.toString()}`;
  if (typeof key === "number") {
    if (Number.isInteger(key)) return `n:${BigInt(key).toString()}`;
    return `f:${String(key)}`;
  }
  return null;
}

function startOffset(node: unknown): number {
  if (isScalar(node) || isMap(node) || isSeq(node) || isAlias(node)) return node.range?.[0] ?? 0;
  return 0;
}

const LINE_BREAKS = "\0\r\n\u0085\u2028\u2029";

/** ruamel's mark: position line plus a snippet of the source line with a caret. */
function describeMark(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const lineStart = before.lastIndexOf("\n") + 1;
  const column = Array.from(text.slice(lineStart, offset)).length + 1;
  return `  in "${SOURCE_NAME}", line ${line}, column ${column}:\n${snippet(text, offset, line)}`;
}

function snippet(text: string, pointer: number, line: number): string {
  const indent = 4;
  const maxLength = 75;
  let head = "";
  let start = pointer;
  while (start > 0 && !LINE_BREAKS.includes(text.charAt(start - 1))) {
    start--;
    if (pointer - start > maxLength / 2 - 1) {
      head = " ... ";
      start += 5;
      break;
    }
  }
  let tail = "";
  let end = pointer;
  while (end < text.length && !LINE_BREAKS.includes(text.charAt(end))) {
    end++;
    if (end - pointer > maxLength / 2 - 1) {
      tail = " ... ";
      end -= 5;
      break;
    }
  }
  const pad = " ".repeat(indent);
  const caretPad = " ".repeat(indent + pointer - start + head.length);
  return `${pad}${head}${text.slice(start, end)}${tail}\n${caretPad}^ (line: ${line})`;
}
