/**
 * YAML text -> YamlValue, with the settings upstream's loader effectively uses: YAML 1.2 core
 * schema (`yes`/`no` stay strings), anchors, aliases and merge keys, and duplicate keys as errors.
 * `readYaml` keeps the parsed Document and every problem with its offset (for `rap validate`);
 * `loadYaml` throws the first problem as a ProjectValidationError carrying its message, unprefixed.
 */
import { LineCounter, parseDocument, type Document } from "yaml";
import { ProjectValidationError } from "./types.js";
import { findDuplicateKeys } from "./yaml-duplicate-keys.js";
import { toYamlValue, type YamlValue } from "./yaml-value.js";

const PARSE_OPTIONS = {
  version: "1.2",
  schema: "core",
  merge: true,
  // Integers load as bigint and floats as number, so the two stay distinguishable.
  intAsBigInt: true,
  // Duplicates are detected by findDuplicateKeys so the message can follow upstream's wording.
  uniqueKeys: false,
  // Messages are laid out by syntaxErrorMessage, with the caret on the offending token.
  prettyErrors: false,
} as const;

/** A problem found while loading: its message and the offset in the text it is about. */
export interface YamlProblem {
  readonly message: string;
  readonly offset: number;
}

export interface LoadedYaml {
  readonly doc: Document;
  readonly lines: LineCounter;
  /** The document's value; null when a syntax error means there is none to validate. */
  readonly value: YamlValue | null;
  /** Syntax errors (then `value` is null), or duplicate keys (then `value` keeps the last). */
  readonly problems: readonly YamlProblem[];
}

export function readYaml(text: string): LoadedYaml {
  const lines = new LineCounter();
  const doc: Document = parseDocument(text, { ...PARSE_OPTIONS, lineCounter: lines });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((error) => {
      const offset = tokenStart(text, error.pos[0]);
      return { message: syntaxErrorMessage(error.message, text, offset, lines), offset };
    });
    return { doc, lines, value: null, problems };
  }
  const duplicates = findDuplicateKeys(doc, text);
  try {
    return { doc, lines, value: toYamlValue(doc.toJS({ mapAsMap: true })), problems: duplicates };
  } catch (err) {
    // e.g. the alias-expansion limit that guards against "billion laughs" documents
    const message = err instanceof Error ? err.message : String(err);
    return { doc, lines, value: null, problems: [...duplicates, { message, offset: 0 }] };
  }
}

export function loadYaml(text: string): YamlValue {
  const loaded = readYaml(text);
  const first = loaded.problems[0];
  if (first !== undefined) throw new ProjectValidationError(first.message);
  return loaded.value;
}

/**
 * The yaml package places some errors (a mis-indented key, for one) at the start of the line; the
 * caret belongs on the first character that is not indentation.
 */
function tokenStart(text: string, offset: number): number {
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
  if (!/^[ \t]*$/.test(text.slice(lineStart, offset))) return offset;
  let at = offset;
  while (text.charAt(at) === " " || text.charAt(at) === "\t") at++;
  return at < text.length && text.charAt(at) !== "\n" ? at : offset;
}

/** `<message> at line L, column C:`, a blank line, the previous and the offending line, a caret. */
function syntaxErrorMessage(message: string, text: string, offset: number, lines: LineCounter): string {
  const { line, col } = lines.linePos(offset);
  const sourceLines = text.split("\n");
  const context = sourceLines.slice(Math.max(0, line - 2), line).map((l) => l.replace(/\r$/, ""));
  return `${message} at line ${line}, column ${col}:\n\n${context.join("\n")}\n${" ".repeat(col - 1)}^`;
}
