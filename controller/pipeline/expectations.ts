/**
 * The `expectations` section (population size for cohortextractor dummy data). Depending on the
 * version it is forbidden (v4+), required (exactly v3) or replaced by a default of 1000.
 */
import type { Diagnostics } from "./diagnostics.js";
import type { FeatureFlags } from "./project-version.js";
import { rejectUnexpectedKeys } from "./unexpected-keys.js";
import { DOCUMENT, fail, keyAt, lookup, requireMapping, valueAt } from "./validation-failure.js";
import type { YamlValue } from "./yaml-value.js";

export const DEFAULT_POPULATION_SIZE = 1000;

/** Returns the population size in effect, or null where the version has no expectations. */
export function readExpectations(d: Diagnostics, flags: FeatureFlags, raw: YamlValue): number | null {
  if (flags.removeCohortExtractor) {
    if (raw !== null) {
      fail(
        "Project includes `expectations` section, which is not supported in this version. This section is only " +
          "applicable to deprecated cohortextractor actions; you can safely remove it.",
        keyAt("expectations"),
      );
    }
    return null;
  }
  if (!flags.expectationsPopulation) return DEFAULT_POPULATION_SIZE;
  if (raw === null) fail("Project must include `expectations` section", DOCUMENT);
  const section = requireMapping(raw, "Project `expectations` section", valueAt("expectations"));
  if (!section.has("population_size"))
    fail("Project `expectations` section must include `population_size` section", valueAt("expectations"));
  rejectUnexpectedKeys(d, section, ["population_size"], "project `expectations` section", ["expectations"]);
  const size = pythonInt(lookup(section, "population_size"));
  if (size === null) fail("Project expectations population size must be a number", valueAt("expectations", "population_size"));
  return size;
}

const INT_TEXT = /^\s*([+-]?\d(?:_?\d)*)\s*$/;

/** Python `int(value)`, or null where it fails (including infinity, which overflows). */
function pythonInt(value: YamlValue): number | null {
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "number") return Number.isFinite(value) ? Math.trunc(value) : null;
  if (typeof value !== "string") return null;
  const m = INT_TEXT.exec(value);
  return m === null ? null : Number((m[1] ?? "").replaceAll("_", ""));
}
