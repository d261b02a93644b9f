/**
 * The pending jobs that are ready to start but for a free worker (dependencies succeeded, not
 * cancelled, backend neither paused nor in maintenance for them), grouped by worker pool and by
 * workspace, each workspace's jobs kept in upstream's order (oldest first, then insertion order).
 * It is a candidate list: the scheduler re-reads a job before acting on it, so an entry that went
 * stale merely costs one read.
 */

export interface ReadyEntry {
  readonly id: string;
  readonly backend: string;
  /** backend + workspace: fairness counts running jobs per workspace of a backend. */
  readonly workspaceKey: string;
  readonly requiresDb: boolean;
  /** Unix seconds, then the job's rowid: upstream's "oldest first", ties in insertion order. */
  readonly createdAt: number;
  readonly rowid: number;
  readonly weight: number;
}

export function poolKey(backend: string, requiresDb: boolean): string {
  return `${backend}\u0000${requiresDb ? "db" : "job"}`;
}

export function workspaceKeyOf(job: { readonly backend: string; readonly workspace: string }): string {
  return `${job.backend}\u0000${job.workspace}`;
}

export function olderFirst(a: ReadyEntry, b: ReadyEntry): number {
  return a.createdAt - b.createdAt || a.rowid - b.rowid;
}

/** One worker pool's ready jobs. */
export class PoolQueue {
  /** workspace key -> entries in upstream's order. */
  readonly byWorkspace = new Map<string, ReadyEntry[]>();
  /** weight -> how many entries have it (few distinct weights), for the lightest waiting job. */
  private readonly weights = new Map<number, number>();

  constructor(
    readonly backend: string,
    readonly requiresDb: boolean,
  ) {}

  get isEmpty(): boolean {
    return this.byWorkspace.size === 0;
  }

  /** The smallest weight among the pool's ready jobs (Infinity when none). */
  lightest(): number {
    let min = Infinity;
    for (const weight of this.weights.keys()) min = Math.min(min, weight);
    return min;
  }

  add(entry: ReadyEntry): void {
    let list = this.byWorkspace.get(entry.workspaceKey);
    if (!list) this.byWorkspace.set(entry.workspaceKey, (list = []));
    list.splice(insertionIndex(list, entry), 0, entry);
    this.weights.set(entry.weight, (this.weights.get(entry.weight) ?? 0) + 1);
  }

  remove(entry: ReadyEntry): void {
    const list = this.byWorkspace.get(entry.workspaceKey);
    if (!list) return;
    const index = insertionIndex(list, entry);
    if (list[index]?.id !== entry.id) return;
    list.splice(index, 1);
    if (list.length === 0) this.byWorkspace.delete(entry.workspaceKey);
    const count = (this.weights.get(entry.weight) ?? 1) - 1;
    if (count === 0) this.weights.delete(entry.weight);
    else this.weights.set(entry.weight, count);
  }
}

/** First index whose entry is not older than `entry` (binary search; new jobs append). */
function insertionIndex(list: readonly ReadyEntry[], entry: ReadyEntry): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (olderFirst(list[middle]!, entry) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

export class ReadySet {
  private readonly entries = new Map<string, ReadyEntry>();
  private readonly poolQueues = new Map<string, PoolQueue>();

  get size(): number {
    return this.entries.size;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  pools(): IterableIterator<PoolQueue> {
    return this.poolQueues.values();
  }

  add(entry: ReadyEntry): void {
    if (this.entries.has(entry.id)) return;
    this.entries.set(entry.id, entry);
    const key = poolKey(entry.backend, entry.requiresDb);
    let pool = this.poolQueues.get(key);
    if (!pool) this.poolQueues.set(key, (pool = new PoolQueue(entry.backend, entry.requiresDb)));
    pool.add(entry);
  }

  remove(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    const key = poolKey(entry.backend, entry.requiresDb);
    const pool = this.poolQueues.get(key);
    pool?.remove(entry);
    if (pool?.isEmpty) this.poolQueues.delete(key);
  }

  clear(): void {
    this.entries.clear();
    this.poolQueues.clear();
  }
}
