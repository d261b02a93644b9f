/**
 * The fake API server's storage: objects by resource and namespace, one cluster-wide
 * resourceVersion counter, and a bounded event history that watches resume from. A watch asking
 * for a version older than the history holds gets 410 Gone, as from a real server after compaction.
 */
import { randomUUID } from "node:crypto";
import { parseFieldSelector, parseLabelSelector } from "./selectors.js";

export type Obj = Record<string, unknown> & {
  metadata: Record<string, unknown> & { name: string; namespace?: string; labels?: Record<string, string> };
};
export type EventType = "ADDED" | "MODIFIED" | "DELETED";

export interface StoredEvent {
  readonly rv: number;
  readonly resource: string;
  readonly namespace: string;
  readonly type: EventType;
  readonly object: Obj;
}

export interface Watcher {
  readonly resource: string;
  readonly namespace: string;
  readonly matches: (object: Obj) => boolean;
  send(event: StoredEvent): void;
}

export class StoreError extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly reason: string,
  ) {
    super(message);
  }
}

const HISTORY = 2000;

export class ObjectStore {
  private rv = 100;
  private readonly objects = new Map<string, Map<string, Obj>>();
  private history: StoredEvent[] = [];
  /** Oldest version a watch may resume from; raised by compaction. */
  private oldestRv = 100;
  readonly watchers = new Set<Watcher>();
  private readonly listeners = new Set<(event: StoredEvent) => void>();

  get resourceVersion(): number {
    return this.rv;
  }

  private bucket(resource: string, namespace: string): Map<string, Obj> {
    const key = `${resource}/${namespace}`;
    let found = this.objects.get(key);
    if (!found) this.objects.set(key, (found = new Map<string, Obj>()));
    return found;
  }

  /** Subscribe to every change (the fake controllers use this). */
  onChange(listener: (event: StoredEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(resource: string, namespace: string, type: EventType, object: Obj): void {
    const event: StoredEvent = { rv: this.rv, resource, namespace, type, object: structuredClone(object) };
    this.history.push(event);
    if (this.history.length > HISTORY) {
      this.history.splice(0, this.history.length - HISTORY);
      this.oldestRv = this.history[0]?.rv ?? this.rv;
    }
    for (const watcher of this.watchers) {
      if (watcher.resource === resource && watcher.namespace === namespace && watcher.matches(event.object)) watcher.send(event);
    }
    for (const listener of [...this.listeners]) listener(event);
  }

  get(resource: string, namespace: string, name: string): Obj | undefined {
    const found = this.bucket(resource, namespace).get(name);
    return found && structuredClone(found);
  }

  list(resource: string, namespace: string, labelSelector?: string | null, fieldSelector?: string | null): Obj[] {
    const labels = parseLabelSelector(labelSelector);
    const fields = parseFieldSelector(fieldSelector);
    return [...this.bucket(resource, namespace).values()]
      .filter((object) => labels(object.metadata.labels ?? {}) && fields(object))
      .map((object) => structuredClone(object));
  }

  /** Every namespace holding objects of `resource`. */
  namespaces(resource: string): string[] {
    return [...this.objects.keys()].filter((key) => key.startsWith(`${resource}/`)).map((key) => key.slice(resource.length + 1));
  }

  create(resource: string, namespace: string, object: Obj): Obj {
    const bucket = this.bucket(resource, namespace);
    const name = object.metadata.name;
    if (bucket.has(name)) throw new StoreError(`${resource} "${name}" already exists`, 409, "AlreadyExists");
    this.rv += 1;
    const stored: Obj = {
      ...structuredClone(object),
      metadata: {
        ...structuredClone(object.metadata),
        namespace,
        uid: randomUUID(),
        resourceVersion: String(this.rv),
        creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      },
    };
    bucket.set(name, stored);
    this.emit(resource, namespace, "ADDED", stored);
    return structuredClone(stored);
  }

  /** Applies `mutate` to a copy and stores it with a new resourceVersion; undefined when absent. */
  update(resource: string, namespace: string, name: string, mutate: (object: Obj) => void): Obj | undefined {
    const bucket = this.bucket(resource, namespace);
    const current = bucket.get(name);
    if (!current) return undefined;
    const next = structuredClone(current);
    mutate(next);
    this.rv += 1;
    next.metadata.resourceVersion = String(this.rv);
    bucket.set(name, next);
    this.emit(resource, namespace, "MODIFIED", next);
    return structuredClone(next);
  }

  remove(resource: string, namespace: string, name: string): Obj | undefined {
    const bucket = this.bucket(resource, namespace);
    const current = bucket.get(name);
    if (!current) return undefined;
    bucket.delete(name);
    this.rv += 1;
    const gone = { ...current, metadata: { ...current.metadata, resourceVersion: String(this.rv) } };
    this.emit(resource, namespace, "DELETED", gone);
    return structuredClone(gone);
  }

  /** Events after `fromRv` for a new watch, or a 410 when that version has been compacted away. */
  eventsSince(resource: string, namespace: string, fromRv: number, matches: (object: Obj) => boolean): StoredEvent[] {
    if (fromRv < this.oldestRv) throw new StoreError(`too old resource version: ${fromRv} (${this.oldestRv})`, 410, "Expired");
    return this.history.filter((e) => e.rv > fromRv && e.resource === resource && e.namespace === namespace && matches(e.object));
  }

  /** Forgets all history: every watch resuming from an earlier version now gets 410. */
  compact(): void {
    this.history = [];
    this.oldestRv = this.rv;
  }
}
