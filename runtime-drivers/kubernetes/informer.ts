/**
 * A label-scoped list+watch cache of one resource (what client-go calls an informer), built to
 * survive the ways watches fail in practice: a stream error restarts it with backoff, 410 Gone
 * relists at once, a watch silent for too long is abandoned and relisted (watches can hang without
 * an error), and a slow periodic relist reconciles anything a watch missed.
 */
import type { Logger } from "../types.js";
import type { KubernetesCounters } from "./driver-metrics.js";
import { KubeApiError, type KubeApi, type KubeObject, type ResourceKind, type WatchEventType } from "./kube-api.js";
import type { KubernetesWatchTuning } from "./options.js";

export type InformerListener = (type: WatchEventType | "SYNC", object: KubeObject) => void;

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal.removeEventListener("abort", done);
      clearTimeout(timer);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

export class Informer {
  private readonly cache = new Map<string, KubeObject>();
  private readonly listeners = new Set<InformerListener>();
  private syncedOnce = false;
  private readonly syncWaiters = new Set<() => void>();

  constructor(
    private readonly api: KubeApi,
    readonly kind: ResourceKind,
    private readonly labelSelector: string,
    private readonly tuning: KubernetesWatchTuning,
    private readonly counters: KubernetesCounters,
    private readonly log: Logger,
  ) {}

  get synced(): boolean {
    return this.syncedOnce;
  }

  get(name: string): KubeObject | undefined {
    return this.cache.get(name);
  }

  values(): KubeObject[] {
    return [...this.cache.values()];
  }

  /** Called for every change (and with SYNC for each object after a relist); returns an unsubscribe. */
  subscribe(listener: InformerListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once the first list has been applied (or when `signal` aborts). */
  whenSynced(signal: AbortSignal): Promise<void> {
    if (this.syncedOnce || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.syncWaiters.delete(done);
        signal.removeEventListener("abort", done);
        resolve();
      };
      this.syncWaiters.add(done);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  /** Records a change the driver made itself (a create's answer), before the watch reports it. */
  observe(object: KubeObject): void {
    this.apply("MODIFIED", object);
  }

  private emit(type: WatchEventType | "SYNC", object: KubeObject): void {
    for (const listener of [...this.listeners]) listener(type, object);
  }

  private apply(type: WatchEventType, object: KubeObject): void {
    const name = object.metadata?.name;
    if (!name) return;
    if (type === "DELETED") this.cache.delete(name);
    else {
      const known = this.cache.get(name);
      // Never step back: a watch event older than what a create or relist already gave us.
      if (known && Number(known.metadata?.resourceVersion ?? 0) > Number(object.metadata?.resourceVersion ?? 0)) return;
      this.cache.set(name, object);
    }
    this.emit(type, object);
  }

  private replace(items: readonly KubeObject[]): void {
    const fresh = new Map(items.flatMap((item) => (item.metadata?.name ? [[item.metadata.name, item] as const] : [])));
    for (const [name, object] of this.cache) {
      if (!fresh.has(name)) {
        this.cache.delete(name);
        this.emit("DELETED", object);
      }
    }
    for (const [name, object] of fresh) {
      this.cache.set(name, object);
      this.emit("SYNC", object);
    }
    if (!this.syncedOnce) {
      this.syncedOnce = true;
      for (const waiter of [...this.syncWaiters]) waiter();
    }
  }

  /** Lists and watches until `signal` aborts. Never rejects. */
  async run(signal: AbortSignal): Promise<void> {
    let backoffMs = 100;
    while (!signal.aborted) {
      try {
        const listed = await this.api.list(this.kind, { labelSelector: this.labelSelector }, signal);
        this.counters.increment("informer_relists_total", { resource: this.kind });
        this.replace(listed.items);
        backoffMs = 100;
        await this.watchFrom(listed.resourceVersion, signal);
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof KubeApiError && error.code === 410) {
          this.counters.increment("watch_restarts_total", { resource: this.kind, cause: "gone" });
          this.log.debug("watch history expired; relisting", { resource: this.kind });
          continue;
        }
        this.counters.increment("watch_restarts_total", { resource: this.kind, cause: "error" });
        this.log.warn("watch failed; restarting", {
          resource: this.kind,
          error: error instanceof Error ? error.message : String(error),
          backoff_ms: backoffMs,
        });
        await abortableSleep(backoffMs, signal);
        backoffMs = Math.min(backoffMs * 2, this.tuning.maxBackoffMs);
      }
    }
  }

  /** Watches from `resourceVersion`, resuming after clean ends, until silence or the resync period. */
  private async watchFrom(resourceVersion: string, signal: AbortSignal): Promise<void> {
    let version = resourceVersion;
    const resyncAt = Date.now() + this.tuning.resyncSeconds * 1000;
    while (!signal.aborted) {
      const stream = new AbortController();
      const stop = () => stream.abort();
      signal.addEventListener("abort", stop, { once: true });
      let silentFor: "silence" | "resync" | undefined;
      let silence: NodeJS.Timeout | undefined;
      const armSilence = () => {
        clearTimeout(silence);
        silence = setTimeout(() => {
          silentFor = "silence";
          stream.abort();
        }, this.tuning.silenceSeconds * 1000);
      };
      const resync = setTimeout(
        () => {
          silentFor = "resync";
          stream.abort();
        },
        Math.max(0, resyncAt - Date.now()),
      );
      armSilence();
      try {
        await this.api.watch(
          this.kind,
          {
            labelSelector: this.labelSelector,
            resourceVersion: version,
            // Ask the server to end quiet watches itself before our silence timer gives up on them.
            timeoutSeconds: Math.max(1, Math.floor(this.tuning.silenceSeconds * 0.8)),
          },
          (type, object) => {
            armSilence();
            const next = object.metadata?.resourceVersion;
            if (next) version = next;
            if (type !== "BOOKMARK") this.apply(type, object);
          },
          stream.signal,
        );
      } finally {
        clearTimeout(silence);
        clearTimeout(resync);
        signal.removeEventListener("abort", stop);
      }
      if (silentFor === "silence") {
        this.counters.increment("watch_restarts_total", { resource: this.kind, cause: "silence" });
        this.log.debug("watch went silent; relisting", { resource: this.kind });
        return;
      }
      if (silentFor === "resync") return;
    }
  }
}
