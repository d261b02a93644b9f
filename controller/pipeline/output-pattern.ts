/**
 * The rules every output path pattern must follow. The first failing rule wins and the caller
 * reports it as `Output path <pattern> is invalid: <reason>`.
 */
import { posixNormpath, purePathSuffix, purePathText } from "./python-path.js";
import type { PrivacyLevel } from "./types.js";

/** File types that may be released from the Level 4 (moderately_sensitive) area. Case-sensitive. */
export const LEVEL4_FILE_TYPES: ReadonlySet<string> = new Set([
  ".csv",
  ".jpg",
  ".jpeg",
  ".png",
  ".svg",
  ".svgz",
  ".html",
  ".txt",
  ".log",
  ".json",
  ".md",
]);

/** Glob syntax that is not supported, in the order it is looked for. */
const UNSUPPORTED_GLOB = ["**", "?", "["] as const;

const WINDOWS_ABSOLUTE = /^[A-Za-z]:\//;

/** Returns the reason `pattern` is not acceptable at `level`, or null when it is fine. */
export function outputPatternProblem(pattern: string, level: PrivacyLevel): string | null {
  if (pattern.includes("\\")) return "contains back slashes (use forward slashes only)";
  for (const expr of UNSUPPORTED_GLOB) {
    if (pattern.includes(expr)) return `contains '${expr}' (only the * wildcard character is supported)`;
  }
  const suffix = purePathSuffix(pattern);
  if (suffix === "" || suffix.endsWith("*")) return "output paths must have a file type extension at the end";
  if (level === "moderately_sensitive" && !LEVEL4_FILE_TYPES.has(suffix)) {
    return `${purePathText(pattern)} is not an allowed file type for moderately_sensitive outputs`;
  }
  if (posixNormpath(pattern) !== pattern) {
    return "is not in standard form (contains double slashes or '..' elements)";
  }
  if (pattern === "metadata" || pattern.startsWith("metadata/")) return "should not include the metadata directory";
  // Absolute on POSIX (`/x`) or on Windows (`C:/x`); `c:x` is drive-relative and allowed.
  if (pattern.startsWith("/") || WINDOWS_ABSOLUTE.test(pattern)) return "is an absolute path";
  return null;
}
