/**
 * Project-wide checks on `needs`: every target must exist (upstream's rule and message), and,
 * ours rather than upstream's, no action may depend on itself directly or through a cycle.
 */
import { fail } from "./validation-failure.js";

interface NeedsOf {
  readonly id: string;
  readonly needs: readonly string[];
}

/** The first unknown target, scanning actions and their needs in file order. */
export function checkNeedsTargetsExist(actions: readonly NeedsOf[]): void {
  const known = new Set(actions.map((a) => a.id));
  for (const action of actions) {
    for (const target of action.needs) {
      if (!known.has(target)) {
        fail(`Action \`${action.id}\` references an unknown action in its \`needs\` list: ${target}`);
      }
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
export function checkNoDependencyCycles(actions: readonly NeedsOf[]): void {
  const cycle = findDependencyCycle(actions);
  if (cycle === null) return;
  fail(`Action '${cycle[0] ?? ""}' has a circular dependency: ${cycle.join(" -> ")}`);
}
