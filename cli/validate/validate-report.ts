/**
 * `rap validate`'s output. Human form: one line per diagnostic, `file:line:column: severity:
 * [key] message (hint)`, then a summary line. JSON form: one line holding a list of
 * `{severity, message, file, line, column, key, hint}` objects (errors first; the first error's
 * message is the controller's, i.e. upstream's), spaced like Python's json.dumps.
 */
import type { Diagnostic } from "../../controller/pipeline/diagnose-project.js";
import { pyJsonString } from "../../controller/pipeline/python-json.js";

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export function humanReport(file: string, diagnostics: readonly Diagnostic[], actionCount: number | null): string {
  const lines = diagnostics.map((x) => {
    const key = x.key === null ? "" : `[${x.key}] `;
    const hint = x.hint === null ? "" : ` (${x.hint})`;
    return `${file}:${x.line}:${x.column}: ${x.severity}: ${key}${x.message}${hint}`;
  });
  const errors = diagnostics.filter((x) => x.severity === "error").length;
  const warnings = diagnostics.length - errors;
  const warningNote = warnings === 0 ? "" : `, ${plural(warnings, "warning")}`;
  const summary =
    errors > 0 || actionCount === null
      ? `${file} is invalid: ${plural(errors, "error")}${warningNote}`
      : `${file} is valid: ${plural(actionCount, "action")}${warningNote}`;
  return [...lines, summary].map((line) => `${line}\n`).join("");
}

function jsonValue(value: string | number | null): string {
  if (value === null) return "null";
  return typeof value === "number" ? String(value) : pyJsonString(value);
}

export function jsonReport(file: string, diagnostics: readonly Diagnostic[]): string {
  const items = diagnostics.map((x) => {
    const fields: [string, string | number | null][] = [
      ["severity", x.severity],
      ["message", x.message],
      ["file", file],
      ["line", x.line],
      ["column", x.column],
      ["key", x.key],
      ["hint", x.hint],
    ];
    return `{${fields.map(([name, value]) => `"${name}": ${jsonValue(value)}`).join(", ")}}`;
  });
  return `[${items.join(", ")}]\n`;
}
