/**
 * What the controller may see of a job's metadata (reference §2.3, "RUNJOB/CANCELJOB complete"):
 * file names and output patterns never leave the backend, so the lists are replaced by booleans
 * and the status message and hint (which would name the files) are blanked when there were
 * unmatched outputs or patterns.
 */
import { pythonTruthy } from "./python-format.js";

/** Removes `key` from `record` and returns whether its value was truthy. */
function take(record: Record<string, unknown>, key: string): boolean {
  const present = pythonTruthy(record[key]);
  delete record[key];
  return present;
}

/** Returns a redacted copy; an empty input is returned as is (as a copy). */
export function redactResultsForController(metadata: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const results: Record<string, unknown> = { ...metadata };
  if (Object.keys(results).length === 0) return results;
  delete results.outputs;
  const hasUnmatchedOutputs = take(results, "unmatched_outputs");
  const hasUnmatchedPatterns = take(results, "unmatched_patterns");
  if (hasUnmatchedOutputs || hasUnmatchedPatterns) {
    results.status_message = "";
    results.hint = "";
  }
  results.has_unmatched_patterns = hasUnmatchedPatterns;
  results.has_level4_excluded_files = take(results, "level4_excluded_files");
  return results;
}
