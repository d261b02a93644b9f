/**
 * Keys outside the allowed set. Upstream spreads mappings into keyword arguments, so it reports
 * every unknown key in one message, comma-joined in file order; that message is the first error
 * (placed on the first unknown key). In "all" mode each further unknown key gets its own error at
 * its own position, and each carries a "did you mean" for an allowed key not already present.
 */
import type { Diagnostics } from "./diagnostics.js";
import { suggestion } from "./did-you-mean.js";
import { pyStr } from "./python-format.js";
import { ValidationFailure, keyAt } from "./validation-failure.js";
import type { YamlMap, YamlValue } from "./yaml-value.js";

export function rejectUnexpectedKeys(
  d: Diagnostics,
  map: YamlMap,
  allowed: readonly string[],
  where: string,
  path: readonly YamlValue[],
): void {
  // Keys that would crash Python's keyword passing, such as non-strings, count as unexpected too.
  const extra = [...map.keys()].filter((key) => !(typeof key === "string" && allowed.includes(key)));
  if (extra.length === 0) return;
  const missing = allowed.filter((key) => !map.has(key));
  const hint = (key: YamlValue): string | null => suggestion(pyStr(key), missing);
  const [first, ...rest] = extra;
  d.report(
    new ValidationFailure(
      `Unexpected parameters (${extra.map(pyStr).join(", ")}) in ${where}`,
      keyAt(...path, first ?? null),
      hint(first ?? null),
    ),
  );
  for (const key of rest) {
    d.report(new ValidationFailure(`Unexpected parameter (${pyStr(key)}) in ${where}`, keyAt(...path, key), hint(key)));
  }
}
