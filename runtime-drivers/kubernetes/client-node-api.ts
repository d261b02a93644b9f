/**
 * KubeApi on `@kubernetes/client-node` 1.4.0 (the last release that runs on Node 20): typed calls for
 * CRUD, its Watch for streams, its Metrics for pod usage. Every request first takes a token from
 * the client-side rate limiter and is counted. Objects cross this boundary as wire JSON, so the
 * driver never sees the library's model classes (or its Date objects).
 */
import { ApiException, BatchV1Api, CoreV1Api, KubeConfig, Metrics, NetworkingV1Api, Watch } from "@kubernetes/client-node";
import type { ExecSession, ExecTerminal } from "../types.js";
import type { KubernetesCounters } from "./driver-metrics.js";
import {
  KubeApiError,
  type DeleteOptions,
  type KubeApi,
  type KubeObject,
  type ListOptions,
  type ObjectList,
  type PodUsage,
  type ResourceKind,
  type WatchEventType,
  type WatchOptions,
} from "./kube-api.js";
import { openPodExec } from "./pod-exec.js";
import { RateLimiter } from "./rate-limiter.js";
import { parseCpuQuantity, parseMemoryQuantity } from "./quantities.js";

export interface ClientNodeApiOptions {
  readonly namespace: string;
  /** Path of a kubeconfig file; undefined: the in-cluster service account. */
  readonly kubeconfig?: string | undefined;
  /** Overrides the kubeconfig's server (the fake API server in tests). */
  readonly server?: string | undefined;
  readonly qps: number;
  readonly burst: number;
  readonly counters: KubernetesCounters;
}

const WATCH_PATH: Readonly<Record<ResourceKind, (ns: string) => string>> = {
  jobs: (ns) => `/apis/batch/v1/namespaces/${ns}/jobs`,
  pods: (ns) => `/api/v1/namespaces/${ns}/pods`,
  persistentvolumeclaims: (ns) => `/api/v1/namespaces/${ns}/persistentvolumeclaims`,
  networkpolicies: (ns) => `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies`,
  events: (ns) => `/api/v1/namespaces/${ns}/events`,
};

export function loadKubeConfig(options: Pick<ClientNodeApiOptions, "kubeconfig" | "server">): KubeConfig {
  const kc = new KubeConfig();
  if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
  else if (options.server) kc.loadFromOptions(plainServerConfig(options.server));
  else kc.loadFromCluster();
  if (options.server && options.kubeconfig) {
    const cluster = kc.getCurrentCluster();
    if (cluster) (cluster as { server: string }).server = options.server;
  }
  return kc;
}

/** A kubeconfig for an unauthenticated plain-HTTP server (the fake API server on 127.0.0.1). */
function plainServerConfig(server: string) {
  return {
    clusters: [{ name: "rap", server, skipTLSVerify: true }],
    users: [{ name: "rap" }],
    contexts: [{ name: "rap", cluster: "rap", user: "rap" }],
    currentContext: "rap",
  };
}

/**
 * The library's model objects back to wire JSON: their property names are the API's (for every
 * field this driver reads), and Date fields become RFC 3339 strings again.
 */
function toWire(object: unknown): KubeObject {
  return JSON.parse(JSON.stringify(object)) as KubeObject;
}

function apiError(error: unknown, what: string): KubeApiError {
  if (error instanceof KubeApiError) return error;
  if (error instanceof ApiException) {
    const body = parseBody(error.body);
    const message = typeof body.message === "string" ? body.message : `HTTP ${error.code}`;
    return new KubeApiError(`${what}: ${message}`, error.code, typeof body.reason === "string" ? body.reason : undefined);
  }
  const statusCode = (error as { statusCode?: unknown }).statusCode;
  if (typeof statusCode === "number") return new KubeApiError(`${what}: HTTP ${statusCode}`, statusCode);
  return new KubeApiError(`${what}: ${error instanceof Error ? error.message : String(error)}`, 0);
}

function parseBody(body: unknown): Record<string, unknown> {
  if (typeof body === "string") {
    try {
      const parsed: unknown = JSON.parse(body);
      return parsed !== null && typeof parsed === "object" ? (parsed as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }
  return body !== null && typeof body === "object" ? (body as Record<string, unknown>) : {};
}

export class ClientNodeApi implements KubeApi {
  readonly namespace: string;
  private readonly kc: KubeConfig;
  private readonly batch: BatchV1Api;
  private readonly core: CoreV1Api;
  private readonly networking: NetworkingV1Api;
  private readonly limiter: RateLimiter;

  constructor(private readonly options: ClientNodeApiOptions) {
    this.namespace = options.namespace;
    this.kc = loadKubeConfig(options);
    this.batch = this.kc.makeApiClient(BatchV1Api);
    this.core = this.kc.makeApiClient(CoreV1Api);
    this.networking = this.kc.makeApiClient(NetworkingV1Api);
    this.limiter = new RateLimiter(
      options.qps,
      options.burst,
      (tokens) => options.counters.limiterTokens(tokens),
      undefined,
      () => options.counters.increment("rate_limit_waits_total", {}),
    );
  }

  private async call<T>(verb: string, kind: string, signal: AbortSignal | undefined, request: () => Promise<T>): Promise<T> {
    await this.limiter.take(signal);
    this.options.counters.increment("k8s_request_total", { verb, resource: kind });
    return request();
  }

  async create(kind: ResourceKind, body: KubeObject, signal?: AbortSignal): Promise<KubeObject> {
    const namespace = this.namespace;
    // The typed calls serialise the body by the API's field names, which our wire JSON already uses.
    const model = body as never;
    try {
      const created = await this.call("create", kind, signal, (): Promise<unknown> => {
        switch (kind) {
          case "jobs":
            return this.batch.createNamespacedJob({ namespace, body: model });
          case "pods":
            return this.core.createNamespacedPod({ namespace, body: model });
          case "persistentvolumeclaims":
            return this.core.createNamespacedPersistentVolumeClaim({ namespace, body: model });
          case "networkpolicies":
            return this.networking.createNamespacedNetworkPolicy({ namespace, body: model });
          case "events":
            return this.core.createNamespacedEvent({ namespace, body: model });
        }
      });
      return toWire(created);
    } catch (error) {
      throw apiError(error, `create ${kind} ${body.metadata?.name ?? ""}`);
    }
  }

  async get(kind: ResourceKind, name: string, signal?: AbortSignal): Promise<KubeObject | undefined> {
    const namespace = this.namespace;
    try {
      const found = await this.call("get", kind, signal, (): Promise<unknown> => {
        switch (kind) {
          case "jobs":
            return this.batch.readNamespacedJob({ name, namespace });
          case "pods":
            return this.core.readNamespacedPod({ name, namespace });
          case "persistentvolumeclaims":
            return this.core.readNamespacedPersistentVolumeClaim({ name, namespace });
          case "networkpolicies":
            return this.networking.readNamespacedNetworkPolicy({ name, namespace });
          case "events":
            return this.core.readNamespacedEvent({ name, namespace });
        }
      });
      return toWire(found);
    } catch (error) {
      const failure = apiError(error, `get ${kind} ${name}`);
      if (failure.code === 404) return undefined;
      throw failure;
    }
  }

  async list(kind: ResourceKind, options: ListOptions, signal?: AbortSignal): Promise<ObjectList> {
    const namespace = this.namespace;
    const query = { namespace, labelSelector: options.labelSelector, fieldSelector: options.fieldSelector };
    try {
      const listed = (await this.call("list", kind, signal, (): Promise<unknown> => {
        switch (kind) {
          case "jobs":
            return this.batch.listNamespacedJob(query);
          case "pods":
            return this.core.listNamespacedPod(query);
          case "persistentvolumeclaims":
            return this.core.listNamespacedPersistentVolumeClaim(query);
          case "networkpolicies":
            return this.networking.listNamespacedNetworkPolicy(query);
          case "events":
            return this.core.listNamespacedEvent(query);
        }
      })) as { items: unknown[]; metadata?: { resourceVersion?: string } };
      return {
        items: listed.items.map((item) => toWire(item)),
        resourceVersion: listed.metadata?.resourceVersion ?? "",
      };
    } catch (error) {
      throw apiError(error, `list ${kind}`);
    }
  }

  async delete(kind: ResourceKind, name: string, options: DeleteOptions = {}, signal?: AbortSignal): Promise<void> {
    const namespace = this.namespace;
    const request = { name, namespace, ...options };
    try {
      await this.call("delete", kind, signal, (): Promise<unknown> => {
        switch (kind) {
          case "jobs":
            return this.batch.deleteNamespacedJob(request);
          case "pods":
            return this.core.deleteNamespacedPod(request);
          case "persistentvolumeclaims":
            return this.core.deleteNamespacedPersistentVolumeClaim(request);
          case "networkpolicies":
            return this.networking.deleteNamespacedNetworkPolicy(request);
          case "events":
            return this.core.deleteNamespacedEvent(request);
        }
      });
    } catch (error) {
      const failure = apiError(error, `delete ${kind} ${name}`);
      if (failure.code !== 404) throw failure;
    }
  }

  async watch(
    kind: ResourceKind,
    options: WatchOptions,
    onEvent: (type: WatchEventType, object: KubeObject) => void,
    signal: AbortSignal,
  ): Promise<void> {
    await this.limiter.take(signal);
    this.options.counters.increment("k8s_request_total", { verb: "watch", resource: kind });
    const watch = new Watch(this.kc);
    let failure: KubeApiError | undefined;
    await new Promise<void>((resolve, reject) => {
      const query = {
        labelSelector: options.labelSelector,
        resourceVersion: options.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: options.timeoutSeconds,
      };
      const onAbort = () => {
        controller.then((c) => c.abort()).catch(() => undefined);
      };
      const controller = watch.watch(
        WATCH_PATH[kind](this.namespace),
        query,
        (type, object: unknown) => {
          if (type === "ERROR") {
            // A Status object in the stream: 410 Expired is the common one (history compacted).
            const status = parseBody(object);
            const code = typeof status.code === "number" ? status.code : 500;
            const message = typeof status.message === "string" ? status.message : "error event";
            const reason = typeof status.reason === "string" ? status.reason : "";
            failure = new KubeApiError(`watch ${kind}: ${message}`, code, reason);
            onAbort();
            return;
          }
          onEvent(type as WatchEventType, object as KubeObject);
        },
        (error: unknown) => {
          signal.removeEventListener("abort", onAbort);
          if (failure) reject(failure);
          else if (error && !signal.aborted && (error as { name?: string }).name !== "AbortError")
            reject(apiError(error, `watch ${kind}`));
          else resolve();
        },
      );
      signal.addEventListener("abort", onAbort, { once: true });
      controller.catch((error: unknown) => {
        reject(apiError(error, `watch ${kind}`));
      });
    });
  }

  async readLog(podName: string, container: string, signal?: AbortSignal): Promise<string> {
    try {
      return await this.call("get", "pods/log", signal, () =>
        this.core.readNamespacedPodLog({ name: podName, namespace: this.namespace, container }),
      );
    } catch (error) {
      throw apiError(error, `log of pod ${podName}`);
    }
  }

  async exec(
    podName: string,
    container: string,
    command: readonly string[],
    terminal: ExecTerminal,
    signal?: AbortSignal,
  ): Promise<ExecSession> {
    try {
      return await this.call("create", "pods/exec", signal, () =>
        openPodExec(this.kc, { namespace: this.namespace, pod: podName, container }, command, terminal, signal),
      );
    } catch (error) {
      throw apiError(error, `exec in pod ${podName}`);
    }
  }

  async podUsage(signal?: AbortSignal): Promise<PodUsage[]> {
    try {
      const list = await this.call("list", "podmetrics", signal, () => new Metrics(this.kc).getPodMetrics(this.namespace));
      return list.items.map((item) => ({
        podName: item.metadata.name,
        cpuCores: item.containers.reduce((sum, c) => sum + parseCpuQuantity(c.usage.cpu), 0),
        memoryBytes: item.containers.reduce((sum, c) => sum + parseMemoryQuantity(c.usage.memory), 0),
      }));
    } catch (error) {
      throw apiError(error, "pod metrics");
    }
  }
}
