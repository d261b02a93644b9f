/**
 * Which actions need database access (upstream's `is_database_action`): decided by the image
 * name and the first argument (the sub-command).
 */

/** Image -> sub-commands that touch the database; "any" means every invocation does. */
const DATABASE_COMMANDS: ReadonlyMap<string, readonly string[] | "any"> = new Map<string, readonly string[] | "any">([
  ["ehrql", ["generate-dataset", "generate-measures"]],
  ["sqlrunner", "any"],
  ["cohortextractor", ["generate_cohort", "generate_codelist_report"]],
  // Only the hyphenated spelling counts, although the output rules also accept generate_dataset.
  ["databuilder", ["generate-dataset"]],
]);

/** `parts` is the shell-split run command; parts[0] is `image:version`. */
export function isDatabaseAction(parts: readonly string[]): boolean {
  const first = parts[0];
  if (first === undefined) return false;
  const image = first.split(":")[0] ?? "";
  const commands = DATABASE_COMMANDS.get(image);
  if (commands === undefined) return false;
  if (commands === "any") return true;
  const subcommand = parts[1];
  return subcommand !== undefined && commands.includes(subcommand);
}
