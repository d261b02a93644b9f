/**
 * The `version` key and what it switches on. Upstream converts it with Python's `float()` and
 * derives each feature by comparing numbers, so fractional or odd versions follow the same rules.
 */
import { pyFloatRepr } from "./python-format.js";
import { DOCUMENT, fail, UnprefixedFailure, valueAt } from "./validation-failure.js";
import type { YamlValue } from "./yaml-value.js";

export const LATEST_VERSION = 5;

export interface FeatureFlags {
  /** v >= 2: an output pattern may appear only once in the project. */
  readonly uniqueOutputPath: boolean;
  /** v == 3 exactly: the `expectations` section is required. */
  readonly expectationsPopulation: boolean;
  /** v >= 4: cohortextractor and `expectations` are rejected. */
  readonly removeCohortExtractor: boolean;
  /** v >= 5: a user action named run_all is an error rather than a warning. */
  readonly removeRunAllAction: boolean;
  /** v >= 5: `image:latest` is rejected. */
  readonly removeLatestTag: boolean;
}

// Python float() text syntax: optional sign, digits with single underscores between them,
// optional fraction and exponent, or inf/infinity/nan in any case; surrounding whitespace allowed.
const DIGITS = String.raw`\d(?:_?\d)*`;
const FLOAT_TEXT = new RegExp(
  String.raw`^\s*([+-]?)(?:((?:${DIGITS})?\.${DIGITS}|${DIGITS}\.?)(?:[eE]([+-]?${DIGITS}))?|(inf|infinity|nan))\s*$`,
  "i",
);

/** Python `float(value)`, or null where Python raises TypeError/ValueError. */
export function pythonFloat(value: YamlValue): number | null {
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (typeof value !== "string") return null;
  const m = FLOAT_TEXT.exec(value);
  if (m === null) return null;
  const sign = m[1] === "-" ? -1 : 1;
  const special = m[4]?.toLowerCase();
  if (special !== undefined) return special === "nan" ? NaN : sign * Infinity;
  const mantissa = (m[2] ?? "").replaceAll("_", "");
  const exponent = (m[3] ?? "0").replaceAll("_", "");
  return sign * Number(`${mantissa}e${exponent}`);
}

/** Reads `version`, returning it with any warning upstream would issue. */
export function readVersion(raw: YamlValue): { version: number; warning: string | null } {
  if (raw === null) {
    fail(
      "Project file must have a `version` attribute specifying which version of the project configuration " +
        `format it uses (current latest version is ${LATEST_VERSION})`,
      DOCUMENT,
    );
  }
  const version = pythonFloat(raw);
  if (version === null) fail(`\`version\` must be a number between 1 and ${LATEST_VERSION}`, valueAt("version"));
  const warning =
    version === LATEST_VERSION
      ? null
      : `ProjectWarning: Your project file is using an old version (${pyFloatRepr(version)}); consider updating to version ${LATEST_VERSION}`;
  return { version, warning };
}

/**
 * Flags for a version. Upstream raises a bare ValueError for versions above the latest (its text is
 * what users see, with no `Invalid project` prefix); we raise a ProjectValidationError with that text.
 */
export function featureFlags(version: number): FeatureFlags {
  if (version > LATEST_VERSION) {
    throw new UnprefixedFailure(`The latest version is v${LATEST_VERSION}, but got v${pyFloatRepr(version)}`, valueAt("version"));
  }
  return {
    uniqueOutputPath: version >= 2,
    expectationsPopulation: version >= 3 && version <= 3,
    removeCohortExtractor: version >= 4,
    removeRunAllAction: version >= 5,
    removeLatestTag: version >= 5,
  };
}
