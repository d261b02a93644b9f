/**
 * YAML text -> YamlValue, with the settings upstream's loader effectively uses: YAML 1.2 core
 * schema (`yes`/`no` stay strings), anchors, aliases and merge keys, and duplicate keys as errors.
 * Parser failures become ProjectValidationError carrying the parser's message, with no prefix.
 */
import { parseDocument, type Document } from "yaml";
import { ProjectValidationError } from "./types.js";
import { findDuplicateKey } from "./yaml-duplicate-keys.js";
import { toYamlValue, type YamlValue } from "./yaml-value.js";

const PARSE_OPTIONS = {
  version: "1.2",
  schema: "core",
  merge: true,
  // Integers load as bigint and floats as number, so the two stay distinguishable.
  intAsBigInt: true,
  // Duplicates are detected by findDuplicateKey so the message can follow upstream's wording.
  uniqueKeys: false,
  prettyErrors: true,
} as const;

export function loadYaml(text: string): YamlValue {
  const doc: Document = parseDocument(text, PARSE_OPTIONS);
  const firstError = doc.errors[0];
  if (firstError !== undefined) throw new ProjectValidationError(firstError.message.trimEnd());
  const duplicate = findDuplicateKey(doc, text);
  if (duplicate !== null) throw new ProjectValidationError(duplicate);
  let plain: unknown;
  try {
    plain = doc.toJS({ mapAsMap: true });
  } catch (err) {
    // e.g. the alias-expansion limit that guards against "billion laughs" documents
    throw new ProjectValidationError(err instanceof Error ? err.message : String(err));
  }
  return toYamlValue(plain);
}
