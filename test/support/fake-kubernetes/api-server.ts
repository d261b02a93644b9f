/**
 * The fake Kubernetes API server's HTTP face on 127.0.0.1: the real REST paths and JSON shapes
 * (namespaced create/get/list/delete, `?watch=true` as a chunked stream of JSON lines from a
 * resourceVersion, Status bodies with 404/409/410/422, `/log`, `/exec` over a WebSocket, the metrics API, and discovery and
 * Table answers for kubectl). No real cluster was available to build this project; this server is
 * what the Kubernetes driver was tested against. It is a test double, not a Kubernetes.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { ExecEndpoint, type ExecRequest, type ExecStart } from "./exec-endpoint.js";
import { CORE_VERSIONS, groupList, resourceFor, resourceList, VERSION, type ResourceInfo } from "./discovery.js";
import { ObjectStore, StoreError, type Obj, type StoredEvent, type Watcher } from "./object-store.js";
import { SchemaError, validateObject } from "./schema-validation.js";
import { parseFieldSelector, parseLabelSelector } from "./selectors.js";

export interface ApiHooks {
  /** A delete request for `resource` (the cluster decides what deleting means: pods stop first). */
  onDelete(
    resource: string,
    namespace: string,
    name: string,
    options: { propagationPolicy?: string; gracePeriodSeconds?: number },
  ): boolean;
  readLog(namespace: string, pod: string, container: string | undefined): Promise<string | undefined>;
  podMetrics(namespace: string): Promise<Record<string, unknown>[]>;
  /** A pods/exec session: the kubelet starts the command in the pod's container, or refuses. */
  exec(request: ExecRequest): ExecStart;
}

interface OpenWatch {
  readonly response: ServerResponse;
  muted: boolean;
  timer?: NodeJS.Timeout | undefined;
  readonly watcher: Watcher;
}

interface InjectedFailure {
  readonly method: string;
  readonly resource: string;
  readonly code: number;
  remaining: number;
}

function status(code: number, reason: string, message: string, details?: Record<string, unknown>) {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

const REASONS: Readonly<Record<number, string>> = {
  400: "BadRequest",
  404: "NotFound",
  405: "MethodNotAllowed",
  409: "AlreadyExists",
  410: "Expired",
  422: "Invalid",
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
};

function age(created: unknown): string {
  const ms = Date.now() - Date.parse(String(created));
  if (!Number.isFinite(ms)) return "<unknown>";
  const seconds = Math.max(0, Math.floor(ms / 1000));
  return seconds < 120 ? `${seconds}s` : `${Math.floor(seconds / 60)}m`;
}

/** kubectl's table columns for the kinds it will ask about. */
function table(info: ResourceInfo, items: Obj[]) {
  const columns: Record<string, [string[], (o: Obj) => unknown[]]> = {
    jobs: [
      ["Name", "Completions", "Duration", "Age"],
      (o) => {
        const s = (o.status ?? {}) as Record<string, unknown>;
        return [
          o.metadata.name,
          `${Number(s.succeeded ?? 0)}/1`,
          s.completionTime ? "done" : "",
          age(o.metadata.creationTimestamp),
        ];
      },
    ],
    persistentvolumeclaims: [
      ["Name", "Status", "Volume", "Capacity", "Access Modes", "StorageClass", "Age"],
      (o) => {
        const spec = (o.spec ?? {}) as Record<string, unknown>;
        const s = (o.status ?? {}) as Record<string, unknown>;
        const capacity = (s.capacity ?? {}) as Record<string, unknown>;
        const modes = (spec.accessModes as string[] | undefined) ?? [];
        return [
          o.metadata.name,
          s.phase ?? "Pending",
          spec.volumeName ?? "",
          capacity.storage ?? "",
          modes.join(","),
          spec.storageClassName ?? "",
          age(o.metadata.creationTimestamp),
        ];
      },
    ],
    networkpolicies: [
      ["Name", "Pod-Selector", "Age"],
      (o) => {
        const selector = (((o.spec ?? {}) as Record<string, unknown>).podSelector ?? {}) as {
          matchLabels?: Record<string, string>;
        };
        const text = Object.entries(selector.matchLabels ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(",");
        return [o.metadata.name, text || "<none>", age(o.metadata.creationTimestamp)];
      },
    ],
    pods: [
      ["Name", "Ready", "Status", "Restarts", "Age"],
      (o) => [
        o.metadata.name,
        "0/1",
        ((o.status ?? {}) as Record<string, unknown>).phase ?? "Pending",
        0,
        age(o.metadata.creationTimestamp),
      ],
    ],
  };
  const [names, cells] = columns[info.resource] ?? [
    ["Name", "Age"],
    (o: Obj) => [o.metadata.name, age(o.metadata.creationTimestamp)],
  ];
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: {},
    columnDefinitions: names.map((name, index) => ({
      name,
      type: "string",
      format: index === 0 ? "name" : "",
      description: "",
      priority: 0,
    })),
    rows: items.map((o) => ({
      cells: cells(o),
      object: { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata },
    })),
  };
}

export class FakeApiServer {
  private readonly server: Server;
  private readonly watches = new Set<OpenWatch>();
  private readonly failures: InjectedFailure[] = [];
  /** Requests served, by `VERB resource` (watch counts once per stream). */
  readonly requests = new Map<string, number>();
  private validateObjects = true;
  private readonly exec: ExecEndpoint;

  constructor(
    readonly store: ObjectStore,
    private readonly hooks: ApiHooks,
  ) {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent)
          this.send(response, 500, status(500, "InternalError", error instanceof Error ? error.message : String(error)));
        else response.destroy();
      });
    });
    this.exec = new ExecEndpoint(
      (request) => hooks.exec(request),
      () => this.countRequest("create", "pods/exec"),
    );
    this.server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.exec.upgrade(request, socket, head),
    );
  }

  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, "127.0.0.1", () => resolve());
    });
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.exec.close();
    for (const open of this.watches) open.response.destroy();
    this.watches.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- faults --------------------------------------------------------------------------------

  /** Cuts every open watch stream (the connection drops; no error event). */
  dropWatches(): number {
    const count = this.watches.size;
    for (const open of [...this.watches]) open.response.destroy();
    return count;
  }

  /** Open watch streams stay connected but deliver nothing more (a hung watch). */
  silenceWatches(): number {
    for (const open of this.watches) {
      open.muted = true;
      // A hung stream does not end on its timeout either: only the client can give up on it.
      clearTimeout(open.timer);
    }
    return this.watches.size;
  }

  /** Compacts the history and ends open watches with a 410 ERROR event, as after etcd compaction. */
  expireWatches(): number {
    this.store.compact();
    const count = this.watches.size;
    for (const open of [...this.watches]) {
      open.response.end(`${JSON.stringify({ type: "ERROR", object: status(410, "Expired", "too old resource version") })}\n`);
    }
    return count;
  }

  /** The next `times` requests of `method` on `resource` fail with `code`. */
  failNext(method: string, resource: string, code: number, times = 1): void {
    this.failures.push({ method: method.toUpperCase(), resource, code, remaining: times });
  }

  get openWatches(): number {
    return this.watches.size;
  }

  count(verb: string, resource: string): number {
    return this.requests.get(`${verb} ${resource}`) ?? 0;
  }

  totalRequests(): number {
    let sum = 0;
    for (const value of this.requests.values()) sum += value;
    return sum;
  }

  // ---- HTTP ----------------------------------------------------------------------------------

  private send(response: ServerResponse, code: number, body: unknown): void {
    const text = JSON.stringify(body);
    response.writeHead(code, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
    response.end(text);
  }

  private async body(request: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    if (!text) return {};
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === "object" ? (parsed as Record<string, unknown>) : {};
  }

  private countRequest(verb: string, resource: string): void {
    const key = `${verb} ${resource}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const parts = url.pathname.split("/").filter(Boolean);
    const method = request.method ?? "GET";
    if (url.pathname === "/version") return this.send(response, 200, VERSION);
    if (url.pathname === "/api") return this.send(response, 200, CORE_VERSIONS);
    if (url.pathname === "/apis") return this.send(response, 200, groupList());
    if (url.pathname === "/api/v1") return this.send(response, 200, resourceList("", "v1"));
    if (parts[0] === "apis" && parts.length === 3) {
      if (parts[1] === "metrics.k8s.io")
        return this.send(response, 200, {
          kind: "APIResourceList",
          apiVersion: "v1",
          groupVersion: "metrics.k8s.io/v1beta1",
          resources: [{ name: "pods", namespaced: true, kind: "PodMetrics", verbs: ["get", "list"] }],
        });
      return this.send(response, 200, resourceList(parts[1] ?? "", parts[2] ?? ""));
    }
    // /api/v1/namespaces/{ns}/{resource}[/{name}[/{sub}]] or /apis/{group}/{version}/namespaces/...
    const [group, version, rest] =
      parts[0] === "api" ? ["", parts[1] ?? "", parts.slice(2)] : [parts[1] ?? "", parts[2] ?? "", parts.slice(3)];
    if (rest[0] !== "namespaces" || rest.length < 3)
      return this.send(
        response,
        404,
        status(404, "NotFound", `the server could not find the requested resource (${url.pathname})`),
      );
    const namespace = rest[1] ?? "";
    const resource = rest[2] ?? "";
    const name = rest[3];
    const sub = rest[4];
    if (group === "metrics.k8s.io" && resource === "pods" && method === "GET") {
      this.countRequest("list", "podmetrics");
      return this.send(response, 200, {
        kind: "PodMetricsList",
        apiVersion: "metrics.k8s.io/v1beta1",
        metadata: {},
        items: await this.hooks.podMetrics(namespace),
      });
    }
    const info = resourceFor(group, version, resource);
    if (!info)
      return this.send(
        response,
        404,
        status(404, "NotFound", `the server could not find the requested resource (${url.pathname})`),
      );
    const isWatch = ["true", "1"].includes(url.searchParams.get("watch") ?? "");
    const verb =
      method === "POST"
        ? "create"
        : method === "DELETE"
          ? "delete"
          : isWatch
            ? "watch"
            : name
              ? sub
                ? `get/${sub}`
                : "get"
              : "list";
    this.countRequest(verb, resource);
    const injected = this.failures.find((f) => f.method === method && f.resource === resource && f.remaining > 0);
    if (injected) {
      injected.remaining -= 1;
      return this.send(
        response,
        injected.code,
        status(injected.code, REASONS[injected.code] ?? "InternalError", `injected failure ${injected.code}`),
      );
    }
    try {
      if (method === "POST" && !name) return await this.create(request, response, info, namespace);
      if (method === "GET" && name && sub === "log")
        return await this.log(response, namespace, name, url.searchParams.get("container") ?? undefined);
      if (method === "GET" && name) {
        const found = this.store.get(resource, namespace, name);
        if (!found)
          return this.send(response, 404, status(404, "NotFound", `${resource} "${name}" not found`, { name, kind: resource }));
        return this.send(response, 200, found);
      }
      if (method === "GET" && isWatch) return this.watch(request, response, info, namespace, url.searchParams);
      if (method === "GET") return this.list(request, response, info, namespace, url.searchParams);
      if (method === "DELETE" && name) return await this.remove(request, response, info, namespace, name, url.searchParams);
      return this.send(response, 405, status(405, "MethodNotAllowed", `${method} is not supported by the fake API server`));
    } catch (error) {
      if (error instanceof StoreError)
        return this.send(response, error.code, status(error.code, error.reason, error.message, { name, kind: resource }));
      if (error instanceof SchemaError)
        return this.send(response, 422, status(422, "Invalid", error.message, { name, kind: info.kind }));
      throw error;
    }
  }

  private async create(request: IncomingMessage, response: ServerResponse, info: ResourceInfo, namespace: string): Promise<void> {
    const body = await this.body(request);
    const apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
    const object = { metadata: { name: "" }, ...body, apiVersion, kind: info.kind } as Obj;
    if (typeof body.apiVersion === "string" && body.apiVersion !== apiVersion)
      throw new SchemaError(`apiVersion ${body.apiVersion} does not match ${apiVersion}`);
    if (this.validateObjects) validateObject(info.kind, object);
    const metadataNamespace = object.metadata.namespace;
    if (metadataNamespace && metadataNamespace !== namespace) {
      throw new StoreError(
        `the namespace of the provided object (${String(metadataNamespace)}) does not match the namespace sent on the request (${namespace})`,
        400,
        "BadRequest",
      );
    }
    const created = this.store.create(info.resource, namespace, object);
    this.send(response, 201, created);
  }

  private list(
    request: IncomingMessage,
    response: ServerResponse,
    info: ResourceInfo,
    namespace: string,
    query: URLSearchParams,
  ): void {
    const items = this.store.list(info.resource, namespace, query.get("labelSelector"), query.get("fieldSelector"));
    const accept = request.headers.accept ?? "";
    if (accept.includes("as=Table")) return this.send(response, 200, table(info, items));
    const apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
    this.send(response, 200, {
      kind: `${info.kind}List`,
      apiVersion,
      metadata: { resourceVersion: String(this.store.resourceVersion) },
      items,
    });
  }

  private async remove(
    request: IncomingMessage,
    response: ServerResponse,
    info: ResourceInfo,
    namespace: string,
    name: string,
    query: URLSearchParams,
  ): Promise<void> {
    const body = await this.body(request);
    const existing = this.store.get(info.resource, namespace, name);
    if (!existing)
      return this.send(
        response,
        404,
        status(404, "NotFound", `${info.resource} "${name}" not found`, { name, kind: info.resource }),
      );
    const grace = body.gracePeriodSeconds ?? query.get("gracePeriodSeconds");
    const policy = body.propagationPolicy ?? query.get("propagationPolicy");
    const options = {
      ...(typeof policy === "string" ? { propagationPolicy: policy } : {}),
      ...(typeof grace === "number" || typeof grace === "string" ? { gracePeriodSeconds: Number(grace) } : {}),
    };
    if (!this.hooks.onDelete(info.resource, namespace, name, options)) this.store.remove(info.resource, namespace, name);
    this.send(response, 200, {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Success",
      details: { name, kind: info.resource, uid: existing.metadata.uid },
    });
  }

  private async log(response: ServerResponse, namespace: string, pod: string, container: string | undefined): Promise<void> {
    if (!this.store.get("pods", namespace, pod))
      return this.send(response, 404, status(404, "NotFound", `pods "${pod}" not found`));
    const text = await this.hooks.readLog(namespace, pod, container);
    if (text === undefined)
      return this.send(
        response,
        400,
        status(400, "BadRequest", `container "${container ?? ""}" in pod "${pod}" is waiting to start`),
      );
    response.writeHead(200, { "Content-Type": "text/plain", "Content-Length": Buffer.byteLength(text) });
    response.end(text);
  }

  private watch(
    _request: IncomingMessage,
    response: ServerResponse,
    info: ResourceInfo,
    namespace: string,
    query: URLSearchParams,
  ): void {
    const labels = parseLabelSelector(query.get("labelSelector"));
    const fields = parseFieldSelector(query.get("fieldSelector"));
    const matches = (object: Obj) => labels(object.metadata.labels ?? {}) && fields(object);
    const rvText = query.get("resourceVersion") ?? "";
    const write = (line: unknown) => response.write(`${JSON.stringify(line)}\n`);
    const open: OpenWatch = {
      response,
      muted: false,
      watcher: {
        resource: info.resource,
        namespace,
        matches,
        send: (event: StoredEvent) => {
          if (!open.muted) write({ type: event.type, object: event.object });
        },
      },
    };
    let backlog: StoredEvent[] = [];
    if (rvText === "" || rvText === "0") {
      backlog = this.store
        .list(info.resource, namespace)
        .filter(matches)
        .map((object) => ({ rv: 0, resource: info.resource, namespace, type: "ADDED" as const, object }));
    } else {
      try {
        backlog = this.store.eventsSince(info.resource, namespace, Number(rvText), matches);
      } catch (error) {
        if (!(error instanceof StoreError)) throw error;
        // A real server answers 200 and sends the 410 as an ERROR event in the stream.
        response.writeHead(200, { "Content-Type": "application/json" });
        response.end(`${JSON.stringify({ type: "ERROR", object: status(410, "Expired", error.message) })}\n`);
        return;
      }
    }
    response.writeHead(200, { "Content-Type": "application/json", "Transfer-Encoding": "chunked" });
    response.flushHeaders();
    for (const event of backlog) write({ type: event.type, object: event.object });
    this.watches.add(open);
    this.store.watchers.add(open.watcher);
    const timeout = Number(query.get("timeoutSeconds") ?? 0);
    open.timer = timeout > 0 ? setTimeout(() => response.end(), timeout * 1000) : undefined;
    const finish = () => {
      clearTimeout(open.timer);
      this.watches.delete(open);
      this.store.watchers.delete(open.watcher);
    };
    response.on("close", finish);
  }
}
