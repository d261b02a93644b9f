/**
 * Turns a Location (a path of keys and list indexes) into a line and column in the source, using
 * the yaml package's node ranges. A path that leaves the written text (a key brought in by a
 * merge key `<<`, or one that is missing) stops at the deepest node that is written.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Pair, type YAMLMap } from "yaml";
import { pyStr } from "./python-format.js";
import type { Location } from "./validation-failure.js";
import { toYamlValue, type YamlValue } from "./yaml-value.js";

export interface Position {
  readonly line: number;
  readonly column: number;
  /** The path as far as it is written, e.g. `actions.a.needs[0]`; null for the whole document. */
  readonly key: string | null;
}

export function positionOf(doc: Document, lines: LineCounter, at: Location): Position {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  const walked: string[] = [];
  for (const [i, segment] of at.path.entries()) {
    node = isAlias(node) ? node.resolve(doc) : node;
    const last = i === at.path.length - 1;
    if (isSeq(node) && typeof segment === "number") {
      const item: unknown = node.items[segment];
      const start = rangeStart(item);
      if (start === undefined) break;
      walked.push(`[${segment}]`);
      offset = start;
      node = item;
      continue;
    }
    if (!isMap(node)) break;
    const pair = findPair(node, segment, doc);
    if (pair === undefined) break;
    walked.push(walked.length === 0 ? pyStr(segment) : `.${pyStr(segment)}`);
    const keyStart = rangeStart(pair.key);
    const valueStart = rangeStart(pair.value);
    offset = (last && at.on === "key" ? keyStart : (valueStart ?? keyStart)) ?? offset;
    node = pair.value;
  }
  const { line, col } = lines.linePos(offset);
  return { line, column: col, key: walked.length === 0 ? null : walked.join("") };
}

/**
 * The pair for `key`, written in the mapping itself or brought in by a merge key (`<<: *anchor`,
 * or a list of them), in which case it is found where the anchored mapping is written.
 */
function findPair(map: YAMLMap, key: YamlValue, doc: Document, depth = 0): Pair | undefined {
  const pairs = map.items.filter((p): p is Pair => isPair(p));
  const direct = pairs.find((p) => !isMergeKey(p.key) && sameKey(keyValue(p.key, doc), key));
  if (direct !== undefined || depth > 10) return direct;
  for (const merge of pairs.filter((p) => isMergeKey(p.key))) {
    const sources = isSeq(merge.value) ? merge.value.items : [merge.value];
    for (const source of sources) {
      const target = isAlias(source) ? source.resolve(doc) : source;
      const found = isMap(target) ? findPair(target, key, doc, depth + 1) : undefined;
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** The yaml package represents the merge key `<<` as a scalar whose value is a symbol. */
function isMergeKey(key: unknown): boolean {
  return isScalar(key) && typeof key.value === "symbol";
}

function rangeStart(node: unknown): number | undefined {
  if (isScalar(node) || isMap(node) || isSeq(node) || isAlias(node)) return node.range?.[0];
  return undefined;
}

function keyValue(key: unknown, doc: Document): YamlValue {
  if (isScalar(key) || isMap(key) || isSeq(key) || isAlias(key)) return toYamlValue(key.toJS(doc, { mapAsMap: true }));
  return toYamlValue(key);
}

function sameKey(a: YamlValue, b: YamlValue): boolean {
  if (a === b) return true;
  // A key written `1` loads as bigint; compare numbers by value.
  if ((typeof a === "bigint" || typeof a === "number") && (typeof b === "bigint" || typeof b === "number"))
    return Number(a) === Number(b);
  return false;
}
