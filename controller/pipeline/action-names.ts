/**
 * Ours, not upstream's: upstream accepts any action name, but the agent builds file names from it
 * (`metadata/<action>.log`, the job's log folder), so a name such as `..` or `../x` would point
 * outside its folder and could only fail once the job had run. Refused at request time instead,
 * checked after every upstream rule so a project upstream rejects still gets upstream's message.
 */
import type { ActionDraft } from "./action-build.js";
import type { Diagnostics } from "./diagnostics.js";
import { keyAt, ValidationFailure } from "./validation-failure.js";

/** Longest action name in UTF-8 bytes: room for the `.log` suffix in a 255-byte file name. */
export const MAX_ACTION_NAME_BYTES = 200;

/** Why a name cannot be a file name, or undefined when it can. */
export function unsafeActionName(name: string): string | undefined {
  if (name === "" || name === "." || name === "..") return "it is not a file name";
  if (/[/\\]/.test(name)) return "it contains a path separator";
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(name)) return "it contains a control character";
  if (Buffer.byteLength(name, "utf8") > MAX_ACTION_NAME_BYTES) return `it is longer than ${MAX_ACTION_NAME_BYTES} bytes`;
  return undefined;
}

export function checkActionNamesArePathSafe(d: Diagnostics, actions: readonly ActionDraft[]): void {
  for (const action of actions) {
    const reason = unsafeActionName(action.id);
    if (reason !== undefined) {
      d.report(
        new ValidationFailure(
          `Action name ${JSON.stringify(action.id)} cannot be used: ${reason} (action names become file names on the backend)`,
          keyAt("actions", action.key),
        ),
      );
    }
  }
}
