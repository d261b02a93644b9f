/**
 * A fake Kubernetes cluster for tests and the all-in-one demo: the fake API server plus the three
 * controllers the driver relies on, done small: a Job controller (one pod per Job, backoffLimit 0,
 * activeDeadlineSeconds, ttlSecondsAfterFinished, Background/Foreground/Orphan deletion), a
 * provisioner binding each PVC to a host directory, and a one-node "kubelet" that runs each pod's
 * container through the real docker engine (volumes are host directories, sub-paths included;
 * containers carry `io.kubernetes.pod.name` as the real kubelet's did). It can inject the failures
 * the driver must handle: image pull errors, unschedulable pods, volume attach failures, eviction,
 * pods deleted from outside, and dropped, expired or silent watches.
 *
 * No real cluster was available to build this project; this is a test double, not a Kubernetes.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { FakeApiServer } from "./api-server.js";
import type { ExecRequest, ExecStart } from "./exec-endpoint.js";
import { dockerExecProcess } from "./kubelet-exec.js";
import { ObjectStore, type Obj, type StoredEvent } from "./object-store.js";
import { parseLabelSelector } from "./selectors.js";

export const FAKE_CLUSTER_LABEL = "rap-fake-kubernetes";
export const POD_NAME_LABEL = "io.kubernetes.pod.name";
const NODE_NAME = "fake-node-1";

export interface FakeClusterOptions {
  /** Where PVCs without an explicit host path get their directory. */
  readonly dataDir: string;
  /** PVC name -> host directory (a claim the agent also mounts, like a shared Azure Files share). */
  readonly claimHostPaths?: Readonly<Record<string, string>>;
  /** Labels of the one node; pods whose nodeSelector does not match stay unschedulable. */
  readonly nodeLabels?: Readonly<Record<string, string>>;
  readonly log?: (message: string) => void;
}

interface PodRuntime {
  containerId?: string;
  deleting: boolean;
  /** Settles once the kubelet has finished (or given up) starting the pod's container. */
  readonly started: Promise<void>;
  readonly markStarted: () => void;
}

type Json = Record<string, unknown>;

function rfc3339(date = new Date()): string {
  return date.toISOString().replace(/\.\d+Z$/, "Z");
}

function rec(value: unknown): Json {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {};
}

/** A JSON scalar as text ("" for anything else). */
function str(value: unknown): string {
  return typeof value === "string" ? value : typeof value === "number" || typeof value === "boolean" ? String(value) : "";
}

function arr(value: unknown): Json[] {
  return Array.isArray(value) ? (value as Json[]) : [];
}

/** `64Mi`, `1G`, `500m` -> number (bytes or cores). */
function quantity(text: unknown): number {
  const match = /^(\d+(?:\.\d+)?)([a-zA-Z]*)$/.exec(str(text));
  if (!match) return 0;
  const factors: Record<string, number> = {
    "": 1,
    m: 1e-3,
    k: 1e3,
    K: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
  };
  return Number(match[1]) * (factors[match[2] ?? ""] ?? 1);
}

export class FakeCluster {
  readonly id = randomBytes(4).toString("hex");
  readonly store = new ObjectStore();
  readonly server: FakeApiServer;
  url = "";
  private readonly runtimes = new Map<string, PodRuntime>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly attachFailures = new Set<string>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly nodeLabels: Readonly<Record<string, string>>;
  private stopping = false;
  private kubeletWedged = false;
  private startHold: { promise: Promise<void>; release: () => void } | undefined;
  /** While set, new pods wait (Pending, unscheduled) before the kubelet starts them. */
  private podHold: { promise: Promise<void>; release: () => void } | undefined;
  /** Pods the Job controller created, by Job name: the fake's own record, for run-once checks. */
  readonly podsCreated = new Map<string, number>();
  private unsubscribe: () => void = () => undefined;

  private constructor(private readonly options: FakeClusterOptions) {
    this.nodeLabels = options.nodeLabels ?? { "kubernetes.io/os": "linux", "kubernetes.io/hostname": NODE_NAME };
    this.server = new FakeApiServer(this.store, {
      onDelete: (resource, namespace, name, deleteOptions) => this.onDelete(resource, namespace, name, deleteOptions),
      readLog: (namespace, pod) => this.readLog(namespace, pod),
      podMetrics: (namespace) => this.podMetrics(namespace),
      exec: (request) => this.execInPod(request),
    });
  }

  static async start(options: FakeClusterOptions & { readonly port?: number }): Promise<FakeCluster> {
    const cluster = new FakeCluster(options);
    cluster.unsubscribe = cluster.store.onChange((event) => cluster.track(cluster.react(event)));
    cluster.url = await cluster.server.listen(options.port ?? 0);
    return cluster;
  }

  private log(message: string): void {
    if (process.env.FAKE_K8S_DEBUG) console.error(`[fake-k8s] ${message}`);
    this.options.log?.(message);
  }

  /** Keeps every asynchronous reaction, so dispose can wait for them. */
  private track(work: Promise<unknown> | undefined): void {
    if (!work) return;
    const tracked = work.catch((error: unknown) =>
      this.log(`fake cluster: ${error instanceof Error ? error.message : String(error)}`),
    );
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }

  private later(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopping) action();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  /** Stops the server, then removes every container it started (by its label) and clears timers. */
  async dispose(): Promise<void> {
    this.stopping = true;
    this.releasePods();
    this.releaseContainerStarts();
    this.unsubscribe();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await this.server.close();
    await Promise.allSettled([...this.pending]);
    const listed = await execa("docker", ["ps", "-aq", "--filter", `label=${FAKE_CLUSTER_LABEL}=${this.id}`], { reject: false });
    const ids = listed.stdout.split("\n").filter(Boolean);
    if (ids.length > 0) await execa("docker", ["rm", "-f", ...ids], { reject: false });
  }

  // ---- test-facing helpers -------------------------------------------------------------------

  /** Creates an object as `kubectl apply` of a new object would (no validation shortcuts taken). */
  apply(resource: string, namespace: string, object: Obj): Obj {
    return this.store.create(resource, namespace, object);
  }

  list(resource: string, namespace: string, labelSelector?: string): Obj[] {
    return this.store.list(resource, namespace, labelSelector);
  }

  /** Docker containers this cluster has running or stopped, with their pod names. */
  async containers(): Promise<{ id: string; pod: string }[]> {
    const listed = await execa(
      "docker",
      ["ps", "-a", "--filter", `label=${FAKE_CLUSTER_LABEL}=${this.id}`, "--format", `{{.ID}} {{.Label "${POD_NAME_LABEL}"}}`],
      { reject: false },
    );
    return listed.stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const [id = "", pod = ""] = line.split(" ");
        return { id, pod };
      });
  }

  /** New pods stay Pending (not yet scheduled) until `releasePods`: a cluster slow to start them. */
  holdPods(): void {
    if (this.podHold) return;
    let release: () => void = () => undefined;
    const promise = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.podHold = { promise, release };
  }

  releasePods(): void {
    this.podHold?.release();
    this.podHold = undefined;
  }

  /**
   * Scheduled pods wait, mid-start, until `releaseContainerStarts`: a kubelet still mounting volumes
   * and pulling when a delete arrives. Released, it goes on without looking again, as a kubelet does.
   */
  holdContainerStarts(): void {
    if (this.startHold) return;
    let release: () => void = () => undefined;
    const promise = new Promise<void>((resolve) => (release = resolve));
    this.startHold = { promise, release };
  }

  releaseContainerStarts(): void {
    this.startHold?.release();
    this.startHold = undefined;
  }

  /** Resolves once every reaction in flight (starts, deletes, stops) has finished. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** While wedged, the kubelet ignores graceful pod deletes (a lost node): only grace 0 removes a pod. */
  wedgeKubelet(wedged = true): void {
    this.kubeletWedged = wedged;
  }

  /** Volume attach for pods using `claim` fails (FailedAttachVolume events) until cleared. */
  failVolumeAttach(claim: string, failing = true): void {
    if (failing) this.attachFailures.add(claim);
    else this.attachFailures.delete(claim);
  }

  /** Evicts a pod as the kubelet under memory pressure (or node loss, with another reason) does. */
  async evictPod(
    namespace: string,
    name: string,
    reason = "Evicted",
    message = "The node was low on resource: memory.",
  ): Promise<void> {
    const runtime = this.runtimes.get(`${namespace}/${name}`);
    if (runtime) runtime.deleting = true;
    this.store.update("pods", namespace, name, (pod) => {
      const status = rec(pod.status);
      status.conditions = [
        ...arr(status.conditions).filter((c) => c.type !== "DisruptionTarget"),
        {
          type: "DisruptionTarget",
          status: "True",
          reason: reason === "Evicted" ? "TerminationByKubelet" : "DeletionByPodGC",
          message,
          lastTransitionTime: rfc3339(),
        },
      ];
      pod.status = status;
    });
    if (runtime?.containerId) await execa("docker", ["kill", runtime.containerId], { reject: false });
    this.store.update("pods", namespace, name, (pod) => {
      const status = rec(pod.status);
      status.phase = "Failed";
      status.reason = reason;
      status.message = message;
      status.containerStatuses = arr(status.containerStatuses).map((c) => ({
        ...c,
        ready: false,
        state: {
          terminated: {
            exitCode: 137,
            reason: "Error",
            startedAt: rec(rec(c.state).running).startedAt ?? rfc3339(),
            finishedAt: rfc3339(),
            containerID: c.containerID,
          },
        },
      }));
      pod.status = status;
    });
  }

  // ---- reactions to changes ------------------------------------------------------------------

  private react(event: StoredEvent): Promise<unknown> | undefined {
    if (this.stopping) return undefined;
    const { resource, namespace, type, object } = event;
    if (resource === "jobs" && type === "ADDED") return Promise.resolve(this.startJob(namespace, object));
    if (resource === "pods" && type === "ADDED") return this.runPod(namespace, object);
    if (resource === "pods" && type === "DELETED") return this.podGone(namespace, object);
    if (resource === "pods" && type === "MODIFIED") return Promise.resolve(this.podChanged(namespace, object));
    if (resource === "persistentvolumeclaims" && type === "ADDED") return Promise.resolve(this.bindClaim(namespace, object));
    return undefined;
  }

  private event(
    namespace: string,
    involved: Obj,
    kind: string,
    type: "Normal" | "Warning",
    reason: string,
    message: string,
  ): void {
    const now = rfc3339();
    this.store.create("events", namespace, {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: `${involved.metadata.name}.${randomBytes(8).toString("hex")}`, namespace },
      involvedObject: { kind, name: involved.metadata.name, namespace, uid: involved.metadata.uid },
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component: kind === "Pod" ? "kubelet" : "job-controller" },
    });
  }

  private bindClaim(namespace: string, claim: Obj): void {
    const spec = rec(claim.spec);
    this.store.update("persistentvolumeclaims", namespace, claim.metadata.name, (pvc) => {
      pvc.spec = { ...spec, volumeName: `pvc-${String(claim.metadata.uid)}` };
      pvc.status = { phase: "Bound", accessModes: spec.accessModes ?? [], capacity: rec(rec(spec.resources).requests) };
    });
  }

  private claimDir(namespace: string, claim: string): string {
    const dir = this.options.claimHostPaths?.[claim] ?? path.join(this.options.dataDir, "pv", namespace, claim);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  private startJob(namespace: string, job: Obj): void {
    // A Job applied as already finished (a leftover planted by a test) gets no pod.
    if (this.finished(job)) return;
    const spec = rec(job.spec);
    const template = rec(spec.template);
    const templateMeta = rec(template.metadata);
    const podName = `${job.metadata.name.slice(0, 57)}-${randomBytes(3).toString("hex").slice(0, 5)}`;
    const uid = String(job.metadata.uid);
    this.store.update("jobs", namespace, job.metadata.name, (stored) => {
      stored.status = { startTime: rfc3339(), active: 1, ready: 0, terminating: 0, uncountedTerminatedPods: {} };
    });
    this.store.create("pods", namespace, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: podName,
        namespace,
        labels: {
          ...(templateMeta.labels as Record<string, string>),
          "job-name": job.metadata.name,
          "batch.kubernetes.io/job-name": job.metadata.name,
          "controller-uid": uid,
          "batch.kubernetes.io/controller-uid": uid,
        },
        annotations: { ...(templateMeta.annotations as Record<string, string>) },
        ownerReferences: [
          { apiVersion: "batch/v1", kind: "Job", name: job.metadata.name, uid, controller: true, blockOwnerDeletion: true },
        ],
      },
      spec: structuredClone(rec(template.spec)),
      status: { phase: "Pending", qosClass: "Guaranteed" },
    });
    this.podsCreated.set(job.metadata.name, (this.podsCreated.get(job.metadata.name) ?? 0) + 1);
    this.event(namespace, job, "Job", "Normal", "SuccessfulCreate", `Created pod: ${podName}`);
    const deadline = Number(spec.activeDeadlineSeconds ?? 0);
    if (deadline > 0) this.later(deadline * 1000, () => this.track(this.deadlineExceeded(namespace, job.metadata.name)));
  }

  private finished(job: Obj | undefined): boolean {
    return arr(rec(job?.status).conditions).some((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
  }

  private finishJob(namespace: string, name: string, outcome: "Complete" | "Failed", reason: string, message: string): void {
    const job = this.store.get("jobs", namespace, name);
    if (!job || this.finished(job)) return;
    const now = rfc3339();
    this.store.update("jobs", namespace, name, (stored) => {
      const status = rec(stored.status);
      status.active = 0;
      if (outcome === "Complete") {
        status.succeeded = 1;
        status.completionTime = now;
        status.conditions = [
          {
            type: "SuccessCriteriaMet",
            status: "True",
            reason: "CompletionsReached",
            message: "Reached expected number of succeeded pods",
            lastProbeTime: now,
            lastTransitionTime: now,
          },
          {
            type: "Complete",
            status: "True",
            reason: "CompletionsReached",
            message: "Reached expected number of succeeded pods",
            lastProbeTime: now,
            lastTransitionTime: now,
          },
        ];
      } else {
        status.failed = 1;
        status.conditions = [
          { type: "FailureTarget", status: "True", reason, message, lastProbeTime: now, lastTransitionTime: now },
          { type: "Failed", status: "True", reason, message, lastProbeTime: now, lastTransitionTime: now },
        ];
      }
      stored.status = status;
    });
    const finishedJob = this.store.get("jobs", namespace, name);
    if (finishedJob && outcome === "Failed") this.event(namespace, finishedJob, "Job", "Warning", reason, message);
    const ttl = Number(rec(finishedJob?.spec).ttlSecondsAfterFinished ?? -1);
    if (ttl >= 0)
      this.later(
        ttl * 1000,
        () =>
          this.onDelete("jobs", namespace, name, { propagationPolicy: "Background" }) ||
          this.store.remove("jobs", namespace, name),
      );
  }

  private async deadlineExceeded(namespace: string, name: string): Promise<void> {
    const job = this.store.get("jobs", namespace, name);
    if (!job || this.finished(job)) return;
    this.finishJob(namespace, name, "Failed", "DeadlineExceeded", "Job was active longer than specified deadline");
    for (const pod of this.store.list("pods", namespace, `job-name=${name}`))
      await this.deletePod(namespace, pod.metadata.name, 0);
  }

  private podChanged(namespace: string, pod: Obj): void {
    const jobName = pod.metadata.labels?.["job-name"];
    if (!jobName) return;
    const phase = rec(pod.status).phase;
    if (phase === "Succeeded")
      this.finishJob(namespace, jobName, "Complete", "CompletionsReached", "Reached expected number of succeeded pods");
    if (phase === "Failed")
      this.finishJob(namespace, jobName, "Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit");
  }

  private async podGone(namespace: string, pod: Obj): Promise<void> {
    const key = `${namespace}/${pod.metadata.name}`;
    const runtime = this.runtimes.get(key);
    this.runtimes.delete(key);
    if (runtime?.containerId) await execa("docker", ["rm", "-f", runtime.containerId], { reject: false });
    // A Job's pod deleted before it succeeded counts as a failed pod (backoffLimit 0: the Job fails).
    const jobName = pod.metadata.labels?.["job-name"];
    if (jobName && rec(pod.status).phase !== "Succeeded") {
      this.finishJob(namespace, jobName, "Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit");
    }
  }

  /** What a DELETE means here; returns true when handled (the object is removed by this code). */
  private onDelete(
    resource: string,
    namespace: string,
    name: string,
    options: { propagationPolicy?: string; gracePeriodSeconds?: number },
  ): boolean {
    if (resource === "pods") {
      this.track(this.deletePod(namespace, name, options.gracePeriodSeconds ?? this.defaultGrace(namespace, name)));
      return true;
    }
    if (resource === "jobs") {
      this.store.remove("jobs", namespace, name);
      // batch/v1 Jobs deleted through the API orphan their pods unless told otherwise (kubectl says
      // Background). The garbage collector deletes the pods with their own grace, not the Job delete's.
      if (options.propagationPolicy === "Background" || options.propagationPolicy === "Foreground") {
        for (const pod of this.store.list("pods", namespace, `job-name=${name}`))
          this.track(this.deletePod(namespace, pod.metadata.name, this.defaultGrace(namespace, pod.metadata.name)));
      }
      return true;
    }
    return false;
  }

  /**
   * Marks the pod terminating and stops its container (SIGTERM, SIGKILL after the grace). As on a
   * real cluster, a graceful delete of a scheduled pod keeps the object until the kubelet has
   * finished any start in flight, stopped the container and released its volumes; grace 0 (force)
   * and unscheduled pods go at once, whatever the kubelet is still doing.
   */
  private async deletePod(namespace: string, name: string, graceSeconds: number): Promise<void> {
    const key = `${namespace}/${name}`;
    const runtime = this.runtimes.get(key);
    this.log(`deletePod ${name} grace=${graceSeconds} runtime=${runtime ? String(runtime.containerId) : "none"}`);
    if (runtime) runtime.deleting = true;
    const marked = this.store.update("pods", namespace, name, (pod) => {
      pod.metadata.deletionTimestamp = rfc3339();
      pod.metadata.deletionGracePeriodSeconds = graceSeconds;
    });
    if (!marked) return;
    const graceful = graceSeconds > 0 && typeof rec(marked.spec).nodeName === "string";
    if (graceful && this.kubeletWedged) return;
    if (graceful && runtime) await runtime.started;
    if (runtime?.containerId) {
      await execa(
        "docker",
        graceSeconds > 0 ? ["stop", "-t", String(graceSeconds), runtime.containerId] : ["kill", runtime.containerId],
        { reject: false },
      );
      if (graceful) await execa("docker", ["rm", "-f", runtime.containerId], { reject: false });
    }
    this.store.remove("pods", namespace, name);
  }

  /** The grace a delete without one gets: the pod's own terminationGracePeriodSeconds, else 30. */
  private defaultGrace(namespace: string, name: string): number {
    const grace = rec(this.store.get("pods", namespace, name)?.spec).terminationGracePeriodSeconds;
    return typeof grace === "number" ? grace : 30;
  }

  // ---- the kubelet ---------------------------------------------------------------------------

  private setPodStatus(namespace: string, name: string, change: (status: Json, pod: Obj) => void): Obj | undefined {
    return this.store.update("pods", namespace, name, (pod) => {
      const status = rec(pod.status);
      change(status, pod);
      pod.status = status;
    });
  }

  private waiting(namespace: string, pod: Obj, container: Json, reason: string, message: string): void {
    this.setPodStatus(namespace, pod.metadata.name, (status) => {
      status.phase = "Pending";
      status.containerStatuses = [
        {
          name: container.name,
          image: container.image,
          imageID: "",
          ready: false,
          restartCount: 0,
          started: false,
          state: { waiting: { reason, message } },
        },
      ];
    });
  }

  private selectedByDenyAll(namespace: string, pod: Obj): boolean {
    const policies = this.store.list("networkpolicies", namespace);
    const selecting = policies.filter((policy) => {
      const selector = rec(rec(policy.spec).podSelector);
      const matchLabels = rec(selector.matchLabels) as Record<string, string>;
      const labelText = Object.entries(matchLabels)
        .map(([k, v]) => `${k}=${v}`)
        .join(",");
      return (
        parseLabelSelector(labelText)(pod.metadata.labels ?? {}) && arr(rec(policy.spec).policyTypes).includes("Egress" as never)
      );
    });
    if (selecting.length === 0) return false;
    // NetworkPolicies add up: any egress rule selecting the pod opens the network (the fake cannot
    // enforce CIDRs, so such a pod gets docker's default network and no more).
    return selecting.every((policy) => arr(rec(policy.spec).egress).length === 0);
  }

  private async runPod(namespace: string, pod: Obj): Promise<void> {
    let markStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (markStarted = resolve));
    const runtime: PodRuntime = { deleting: false, started, markStarted };
    this.runtimes.set(`${namespace}/${pod.metadata.name}`, runtime);
    try {
      await this.startAndWatchPod(namespace, pod, runtime);
    } finally {
      runtime.markStarted();
    }
  }

  private async startAndWatchPod(namespace: string, pod: Obj, runtime: PodRuntime): Promise<void> {
    const key = `${namespace}/${pod.metadata.name}`;
    if (this.podHold) await this.podHold.promise;
    if (runtime.deleting || this.stopping) return;
    const spec = rec(pod.spec);
    const container = arr(spec.containers)[0] ?? {};
    // Scheduling: the one node must match the nodeSelector.
    const nodeSelector = rec(spec.nodeSelector) as Record<string, string>;
    const fits = Object.entries(nodeSelector).every(([k, v]) => this.nodeLabels[k] === v);
    if (!fits) {
      const message =
        "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.";
      this.setPodStatus(namespace, pod.metadata.name, (status) => {
        status.phase = "Pending";
        status.conditions = [
          { type: "PodScheduled", status: "False", reason: "Unschedulable", message, lastTransitionTime: rfc3339() },
        ];
      });
      this.event(namespace, pod, "Pod", "Warning", "FailedScheduling", message);
      return;
    }
    this.setPodStatus(namespace, pod.metadata.name, (status, stored) => {
      rec(stored.spec).nodeName = NODE_NAME;
      status.conditions = [{ type: "PodScheduled", status: "True", lastTransitionTime: rfc3339() }];
      status.hostIP = "10.0.0.4";
    });
    this.event(
      namespace,
      pod,
      "Pod",
      "Normal",
      "Scheduled",
      `Successfully assigned ${namespace}/${pod.metadata.name} to ${NODE_NAME}`,
    );
    if (this.startHold) await this.startHold.promise;
    // Volumes: every claim must exist and attach.
    const hostDirs = new Map<string, string>();
    for (const volume of arr(spec.volumes)) {
      const claim = str(rec(volume.persistentVolumeClaim).claimName);
      if (!claim) continue;
      if (!this.store.get("persistentvolumeclaims", namespace, claim)) {
        this.waiting(namespace, pod, container, "ContainerCreating", "");
        this.event(
          namespace,
          pod,
          "Pod",
          "Warning",
          "FailedMount",
          `Unable to attach or mount volumes: persistentvolumeclaim "${claim}" not found`,
        );
        return;
      }
      if (this.attachFailures.has(claim)) {
        this.waiting(namespace, pod, container, "ContainerCreating", "");
        this.event(
          namespace,
          pod,
          "Pod",
          "Warning",
          "FailedAttachVolume",
          `Multi-Attach error for volume "pvc-${claim}" Volume is already exclusively attached to one node and can't be attached to another`,
        );
        return;
      }
      hostDirs.set(str(volume.name), this.claimDir(namespace, claim));
    }
    // Image: pulled when absent (imagePullPolicy IfNotPresent) from a loopback registry, the tests'
    // own; no other registry can be reached here, so any other image must be in the local engine.
    const image = str(container.image);
    let inspected = await execa("docker", ["image", "inspect", "--format", "{{.Id}}", image], { reject: false });
    if (inspected.exitCode !== 0 && /^(?:127\.\d+\.\d+\.\d+|localhost):\d+\//.test(image)) {
      await execa("docker", ["pull", "--quiet", image], { reject: false });
      inspected = await execa("docker", ["image", "inspect", "--format", "{{.Id}}", image], { reject: false });
    }
    if (inspected.exitCode !== 0) {
      this.waiting(namespace, pod, container, "ErrImagePull", `failed to pull and unpack image "${image}": not found`);
      this.event(namespace, pod, "Pod", "Warning", "Failed", `Failed to pull image "${image}": not found`);
      this.later(500, () => {
        if (this.runtimes.get(key) === runtime && !runtime.deleting)
          this.waiting(namespace, pod, container, "ImagePullBackOff", `Back-off pulling image "${image}"`);
      });
      return;
    }
    const env: string[] = [];
    const envValues: Record<string, string> = {};
    for (const variable of arr(container.env)) {
      const name = str(variable.name);
      const secretRef = rec(rec(variable.valueFrom).secretKeyRef);
      if (secretRef.name) {
        const secret = this.store.get("secrets", namespace, str(secretRef.name));
        const encoded = rec(secret?.data)[str(secretRef.key)];
        if (typeof encoded !== "string") {
          this.waiting(namespace, pod, container, "CreateContainerConfigError", `secret "${str(secretRef.name)}" not found`);
          return;
        }
        envValues[name] = Buffer.from(encoded, "base64").toString("utf8");
      } else envValues[name] = str(variable.value);
      env.push("-e", name);
    }
    const podSecurity = rec(spec.securityContext);
    const containerSecurity = rec(container.securityContext);
    const uid = containerSecurity.runAsUser ?? podSecurity.runAsUser;
    const gid = containerSecurity.runAsGroup ?? podSecurity.runAsGroup;
    const limits = rec(rec(container.resources).limits);
    const containerName = `k8s_${str(container.name)}_${pod.metadata.name}_${namespace}_${String(pod.metadata.uid).slice(0, 8)}_0`;
    const args = ["run", "-d", "--name", containerName];
    args.push(
      "--label",
      `${FAKE_CLUSTER_LABEL}=${this.id}`,
      "--label",
      `${POD_NAME_LABEL}=${pod.metadata.name}`,
      "--label",
      `io.kubernetes.pod.namespace=${namespace}`,
      "--label",
      `io.kubernetes.pod.uid=${String(pod.metadata.uid)}`,
      "--label",
      `io.kubernetes.container.name=${str(container.name)}`,
    );
    if (uid !== undefined) args.push("--user", `${str(uid)}${gid !== undefined ? `:${str(gid)}` : ""}`);
    if (arr(rec(containerSecurity.capabilities).drop).includes("ALL" as never)) args.push("--cap-drop", "ALL");
    if (containerSecurity.allowPrivilegeEscalation === false) args.push("--security-opt", "no-new-privileges");
    if (limits.memory) args.push("--memory", String(Math.round(quantity(limits.memory))));
    if (limits.cpu) args.push("--cpus", String(quantity(limits.cpu)));
    args.push("--network", this.selectedByDenyAll(namespace, pod) ? "none" : "bridge");
    if (container.workingDir) args.push("-w", str(container.workingDir));
    for (const mount of arr(container.volumeMounts)) {
      const base = hostDirs.get(str(mount.name));
      if (!base) continue;
      const source = mount.subPath ? path.join(base, str(mount.subPath)) : base;
      // The kubelet creates a missing sub-path directory.
      mkdirSync(source, { recursive: true });
      args.push("-v", `${source}:${str(mount.mountPath)}${mount.readOnly ? ":ro" : ""}`);
    }
    args.push(...env);
    const command = arr(container.command).map(String);
    if (command.length > 0) args.push("--entrypoint", command[0] ?? "");
    args.push(image, ...command.slice(1), ...arr(container.args).map(String));
    if (runtime.deleting || this.stopping) return;
    const started = await execa("docker", args, { reject: false, env: envValues });
    if (started.exitCode !== 0) {
      // docker creates the container before a failing start (a bind source removed meanwhile): drop it.
      await execa("docker", ["rm", "-f", containerName], { reject: false });
      if (!runtime.deleting) this.waiting(namespace, pod, container, "RunContainerError", started.stderr.trim());
      return;
    }
    runtime.containerId = started.stdout.trim();
    this.log(`started ${pod.metadata.name} ${runtime.containerId} deleting=${runtime.deleting}`);
    if (runtime.deleting || this.stopping) {
      await execa("docker", ["rm", "-f", runtime.containerId], { reject: false });
      return;
    }
    const state = await this.inspect(runtime.containerId);
    const containerID = `docker://${runtime.containerId}`;
    // containerd reports a digest reference as the image's id; a tag as the tag with the image id.
    const imageID = image.includes("@")
      ? image.replace(/:[^/:@]+@/, "@")
      : `docker-pullable://${image}@${inspected.stdout.trim()}`;
    this.setPodStatus(namespace, pod.metadata.name, (status) => {
      status.phase = "Running";
      status.startTime = state.startedAt;
      status.podIP = "10.244.0.10";
      status.conditions = [
        { type: "PodScheduled", status: "True", lastTransitionTime: rfc3339() },
        { type: "Initialized", status: "True", lastTransitionTime: rfc3339() },
        { type: "ContainersReady", status: "True", lastTransitionTime: rfc3339() },
        { type: "Ready", status: "True", lastTransitionTime: rfc3339() },
      ];
      status.containerStatuses = [
        {
          name: container.name,
          image,
          imageID,
          containerID,
          ready: true,
          started: true,
          restartCount: 0,
          state: { running: { startedAt: state.startedAt } },
        },
      ];
    });
    this.event(namespace, pod, "Pod", "Normal", "Started", `Started container ${str(container.name)}`);
    runtime.markStarted();
    await execa("docker", ["wait", runtime.containerId], { reject: false });
    if (runtime.deleting || this.stopping || this.runtimes.get(key) !== runtime) return;
    const end = await this.inspect(runtime.containerId);
    const reason = end.oomKilled ? "OOMKilled" : end.exitCode === 0 ? "Completed" : "Error";
    this.setPodStatus(namespace, pod.metadata.name, (status) => {
      status.phase = end.exitCode === 0 ? "Succeeded" : "Failed";
      status.conditions = arr(status.conditions).map((c) =>
        c.type === "Ready" || c.type === "ContainersReady" ? { ...c, status: "False", reason: "PodCompleted" } : c,
      );
      status.containerStatuses = [
        {
          name: container.name,
          image,
          imageID,
          containerID,
          ready: false,
          started: false,
          restartCount: 0,
          state: {
            terminated: { exitCode: end.exitCode, reason, startedAt: end.startedAt, finishedAt: end.finishedAt, containerID },
          },
        },
      ];
    });
  }

  private async inspect(id: string): Promise<{ startedAt: string; finishedAt: string; exitCode: number; oomKilled: boolean }> {
    const result = await execa("docker", ["inspect", "--format", "{{json .State}}", id], { reject: false });
    const state = result.exitCode === 0 ? (JSON.parse(result.stdout) as Json) : {};
    const time = (value: unknown) => {
      const parsed = Date.parse(str(value));
      return Number.isFinite(parsed) && parsed > 0 ? rfc3339(new Date(parsed)) : rfc3339();
    };
    return {
      startedAt: time(state.StartedAt),
      finishedAt: time(state.FinishedAt),
      exitCode: Number(state.ExitCode ?? 0),
      oomKilled: state.OOMKilled === true,
    };
  }

  /** pods/exec: refused as the API server and kubelet refuse it, else run in the pod's container. */
  private execInPod(request: ExecRequest): ExecStart {
    const pod = this.store.get("pods", request.namespace, request.pod);
    if (!pod) return { code: 404, reason: "NotFound", message: `pods "${request.pod}" not found` };
    const names = arr(rec(pod.spec).containers).map((container) => str(rec(container).name));
    const container = request.container ?? (names.length === 1 ? names[0] : undefined);
    if (container === undefined)
      return {
        code: 400,
        reason: "BadRequest",
        message: `a container name must be specified for pod ${request.pod}, choose one of: [${names.join(" ")}]`,
      };
    if (!names.includes(container))
      return { code: 400, reason: "BadRequest", message: `container ${container} is not valid for pod ${request.pod}` };
    const runtime = this.runtimes.get(`${request.namespace}/${request.pod}`);
    const phase = str(rec(pod.status).phase);
    if (!runtime?.containerId || runtime.deleting || phase !== "Running")
      return {
        code: 400,
        reason: "BadRequest",
        message: `unable to upgrade connection: container not found ("${container}")`,
      };
    this.log(`exec in ${request.pod}: ${request.command.join(" ")} tty=${String(request.tty)}`);
    return dockerExecProcess(runtime.containerId, request.command, request.tty);
  }

  private async readLog(namespace: string, pod: string): Promise<string | undefined> {
    const id = this.runtimes.get(`${namespace}/${pod}`)?.containerId;
    if (!id) return undefined;
    const logs = await execa("docker", ["logs", id], { reject: false, all: true });
    return logs.all ?? "";
  }

  private async podMetrics(namespace: string): Promise<Json[]> {
    const running = [...this.runtimes.entries()].filter(
      ([key, runtime]) => key.startsWith(`${namespace}/`) && runtime.containerId && !runtime.deleting,
    );
    if (running.length === 0) return [];
    const stats = await execa(
      "docker",
      ["stats", "--no-stream", "--format", "{{json .}}", ...running.map(([, r]) => r.containerId ?? "")],
      { reject: false },
    );
    const items: Json[] = [];
    for (const line of stats.stdout.split("\n").filter(Boolean)) {
      const sample = JSON.parse(line) as Json;
      const entry = running.find(([, r]) => (r.containerId ?? "").startsWith(str(sample.ID)));
      if (!entry) continue;
      const podName = entry[0].slice(namespace.length + 1);
      const cpuPercent = Number.parseFloat(str(sample.CPUPerc)) || 0;
      const memoryMatch = /^([\d.]+)\s*([A-Za-z]+)/.exec(str(sample.MemUsage));
      const units: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, kB: 1e3, MB: 1e6, GB: 1e9 };
      const memoryBytes = memoryMatch ? Number(memoryMatch[1]) * (units[memoryMatch[2] ?? "B"] ?? 1) : 0;
      items.push({
        metadata: { name: podName, namespace, creationTimestamp: rfc3339(), selfLink: "" },
        timestamp: rfc3339(),
        window: "10s",
        containers: [
          { name: "job", usage: { cpu: `${Math.round(cpuPercent * 1e7)}n`, memory: `${Math.round(memoryBytes / 1024)}Ki` } },
        ],
      });
    }
    return items;
  }
}
