/**
 * The list of reusable actions `rap validate --actions-list` checks image names against: a file,
 * or an http(s) URL that is used only when it can be reached (validation never needs the network).
 * Accepted forms: a JSON list of names (or of objects with a `name`), or one name per line with
 * `#` comments.
 */
import { UsageError } from "../cli-errors.js";

export const ACTIONS_LIST_TIMEOUT_MS = 5000;

export function parseActionsList(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed.startsWith("[")) {
    const parsed = JSON.parse(trimmed) as unknown;
    if (!Array.isArray(parsed)) throw new UsageError("the actions list must be a JSON list");
    return parsed.flatMap((item: unknown) => {
      if (typeof item === "string") return [item];
      if (typeof item === "object" && item !== null && typeof (item as { name?: unknown }).name === "string") {
        return [(item as { name: string }).name];
      }
      return [];
    });
  }
  return trimmed
    .split("\n")
    .map((line) => line.replace(/#.*/, "").trim())
    .filter((line) => line !== "");
}

export interface ActionsListSources {
  readonly readFile: (path: string) => string;
  /** Tells the user the list could not be fetched (validation goes on without it). */
  readonly notice: (text: string) => void;
}

/** The names, or null when a URL could not be reached. An unreadable file is a usage error. */
export async function loadActionsList(source: string, io: ActionsListSources): Promise<string[] | null> {
  if (/^https?:\/\//i.test(source)) {
    try {
      const response = await fetch(source, { signal: AbortSignal.timeout(ACTIONS_LIST_TIMEOUT_MS) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return parseActionsList(await response.text());
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      io.notice(`rap validate: actions list ${source} not reachable (${reason}); reusable action names are not checked\n`);
      return null;
    }
  }
  let text: string;
  try {
    text = io.readFile(source);
  } catch (error) {
    throw new UsageError(`cannot read the actions list ${source}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    return parseActionsList(text);
  } catch (error) {
    throw new UsageError(`cannot parse the actions list ${source}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
