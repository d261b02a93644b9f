/**
 * Project-wide checks on `needs`: every target must exist (upstream's rule and message), and,
 * ours rather than upstream's, no action may depend on itself directly or through a cycle.
 */
import type { ActionDraft } from "./action-build.js";
import type { Diagnostics } from "./diagnostics.js";
import { suggestion } from "./did-you-mean.js";
import { ValidationFailure, valueAt } from "./validation-failure.js";

interface NeedsOf {
  readonly id: string;
  readonly needs: readonly string[];
}

/** Every unknown target, scanning actions and their needs in file order (upstream stops at the first). */
export function checkNeedsTargetsExist(d: Diagnostics, actions: readonly ActionDraft[]): void {
  const ids = actions.map((a) => a.id);
  const known = new Set(ids);
  for (const action of actions) {
    for (const { name, index } of action.needs) {
      if (known.has(name)) continue;
      d.report(
        new ValidationFailure(
          `Action \`${action.id}\` references an unknown action in its \`needs\` list: ${name}`,
          valueAt("actions", action.key, "needs", index),
          suggestion(
            name,
            ids.filter((id) => id !== action.id),
          ),
        ),
      );
    }
  }
}

/**
 * Returns the first dependency cycle as a path that starts and ends on the same action
 * (e.g. ["a", "b", "a"]), or null. Depth-first, following actions and needs in file order.
 */
export function findDependencyCycle(actions: readonly NeedsOf[]): string[] | null {
  const needsById = new Map(actions.map((a) => [a.id, a.needs] as const));
  const done = new Set<string>();
  const path: string[] = [];
  const onPath = new Set<string>();

  const visit = (id: string): string[] | null => {
    if (onPath.has(id)) return [...path.slice(path.indexOf(id)), id];
    if (done.has(id)) return null;
    const needs = needsById.get(id);
    if (needs === undefined) return null;
    path.push(id);
    onPath.add(id);
    for (const target of needs) {
      const cycle = visit(target);
      if (cycle !== null) return cycle;
    }
    path.pop();
    onPath.delete(id);
    done.add(id);
    return null;
  };

  for (const action of actions) {
    const cycle = visit(action.id);
    if (cycle !== null) return cycle;
  }
  return null;
}

/**
 * Not an upstream check: pipeline accepts cycles and self-dependencies, and job-runner then
 * recurses without end while scheduling. We reject them with a message of our own.
 */
export function checkNoDependencyCycles(d: Diagnostics, actions: readonly ActionDraft[]): void {
  const cycle = findDependencyCycle(actions.map((a) => ({ id: a.id, needs: a.needs.map((n) => n.name) })));
  if (cycle === null) return;
  const [first = "", second = ""] = cycle;
  const action = actions.find((a) => a.id === first);
  const need = action?.needs.find((n) => n.name === second);
  const at =
    action === undefined || need === undefined ? valueAt("actions") : valueAt("actions", action.key, "needs", need.index);
  d.report(new ValidationFailure(`Action '${first}' has a circular dependency: ${cycle.join(" -> ")}`, at));
}
