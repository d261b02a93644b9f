/**
 * Upstream's fair order over the ready jobs, without a sort of every pending job: running jobs'
 * workspaces first counted, then repeatedly the job with the fewest running jobs in its workspace,
 * database jobs before others, oldest first (reference/jobrunner.md §4.3). Jobs that are not ready
 * never start, so they cannot change the order of those that are; and a pool with no room for even
 * its lightest ready job is skipped whole, so the cost is that of the jobs that start, not of the
 * jobs that wait.
 */
import { IndexedMinHeap } from "./min-heap.js";
import type { PoolQueue, ReadyEntry, ReadySet } from "./ready-set.js";

/** What visiting a job did: it started, it stays ready (no room for it), or it is no longer ready. */
export type VisitOutcome = "started" | "waiting" | "gone";

export interface SelectionContext {
  /** Running jobs per workspace key (backend + workspace), counted after the running jobs' step. */
  readonly runningPerWorkspace: Map<string, number>;
  /** Whether a job of this weight would fit the pool now. */
  fits(pool: PoolQueue, weight: number): boolean;
  visit(entry: ReadyEntry): VisitOutcome;
}

/** One workspace's ready jobs in one pool, read from `cursor` on (earlier ones were visited this pass). */
interface Slot {
  readonly pool: PoolQueue;
  readonly workspaceKey: string;
  readonly list: ReadyEntry[];
  cursor: number;
}

/** Visits ready jobs in upstream's order until no pool has room; returns the ids visited. */
export function selectInFairOrder(ready: ReadySet, context: SelectionContext): Set<string> {
  const visited = new Set<string>();
  const running = (workspaceKey: string) => context.runningPerWorkspace.get(workspaceKey) ?? 0;
  const less = (a: Slot, b: Slot): boolean => {
    const headA = a.list[a.cursor]!;
    const headB = b.list[b.cursor]!;
    const byRunning = running(a.workspaceKey) - running(b.workspaceKey);
    if (byRunning !== 0) return byRunning < 0;
    if (a.pool.requiresDb !== b.pool.requiresDb) return a.pool.requiresDb;
    if (headA.createdAt !== headB.createdAt) return headA.createdAt < headB.createdAt;
    return headA.rowid < headB.rowid;
  };
  const heap = new IndexedMinHeap<Slot>(less);
  const slotsOfWorkspace = new Map<string, Slot[]>();
  const isOpen = (pool: PoolQueue) => !pool.isEmpty && context.fits(pool, pool.lightest());
  for (const pool of ready.pools()) {
    if (!isOpen(pool)) continue;
    for (const [workspaceKey, list] of pool.byWorkspace) {
      const slot: Slot = { pool, workspaceKey, list, cursor: 0 };
      heap.push(slot);
      let slots = slotsOfWorkspace.get(workspaceKey);
      if (!slots) slotsOfWorkspace.set(workspaceKey, (slots = []));
      slots.push(slot);
    }
  }
  for (let slot = heap.peek(); slot; slot = heap.peek()) {
    if (!isOpen(slot.pool)) {
      heap.remove(slot);
      continue;
    }
    const entry = slot.list[slot.cursor]!;
    const outcome = context.visit(entry);
    visited.add(entry.id);
    // A started or vanished job leaves the ready set (and so this slot's list); a waiting one is passed over.
    if (outcome === "waiting") slot.cursor++;
    else ready.remove(entry.id);
    if (slot.list[slot.cursor] === undefined) heap.remove(slot);
    else heap.update(slot);
    if (outcome === "started") {
      context.runningPerWorkspace.set(slot.workspaceKey, running(slot.workspaceKey) + 1);
      for (const other of slotsOfWorkspace.get(slot.workspaceKey) ?? []) heap.update(other);
    }
  }
  return visited;
}
