/**
 * The thin adapter between the Kubernetes driver and its API client: the few calls the driver makes,
 * in the API's own JSON shapes (wire names, timestamps as strings). The driver depends only on this
 * interface, so the client library can be swapped without touching it.
 */
import type { ExecSession, ExecTerminal } from "../types.js";

/** The namespaced resources the driver touches. */
export type ResourceKind = "jobs" | "pods" | "persistentvolumeclaims" | "networkpolicies" | "events";

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface ContainerStateTerminated {
  exitCode: number;
  reason?: string;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  containerID?: string;
}

export interface ContainerStatus {
  name: string;
  ready?: boolean;
  restartCount?: number;
  image?: string;
  imageID?: string;
  containerID?: string;
  state?: {
    waiting?: { reason?: string; message?: string };
    running?: { startedAt?: string };
    terminated?: ContainerStateTerminated;
  };
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** A Kubernetes object as JSON; only the fields the driver reads are typed. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: Record<string, unknown>;
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    startTime?: string;
    completionTime?: string;
    active?: number;
    succeeded?: number;
    failed?: number;
    conditions?: Condition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
  /** Events only. */
  reason?: string;
  message?: string;
  type?: string;
  involvedObject?: { kind?: string; name?: string };
  lastTimestamp?: string;
}

export interface ObjectList {
  readonly items: KubeObject[];
  /** The list's resourceVersion: where a watch that follows it starts. */
  readonly resourceVersion: string;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";

export interface PodUsage {
  readonly podName: string;
  /** Summed over the pod's containers. */
  readonly cpuCores: number;
  readonly memoryBytes: number;
}

export class KubeApiError extends Error {
  override readonly name = "KubeApiError";
  constructor(
    message: string,
    /** HTTP status: 404 not found, 409 already exists / conflict, 410 gone, 422 invalid; 0 network. */
    readonly code: number,
    /** The API's Status reason (AlreadyExists, Invalid, Expired, …) when it sent one. */
    readonly reason?: string,
  ) {
    super(message);
  }
}

export interface DeleteOptions {
  readonly gracePeriodSeconds?: number;
  /** Background deletes a Job's pods too (the API's default for batch/v1 Jobs is Orphan). */
  readonly propagationPolicy?: "Background" | "Foreground" | "Orphan";
}

export interface ListOptions {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

export interface WatchOptions {
  readonly labelSelector?: string;
  readonly resourceVersion: string;
  /** Asks the server to end the watch after this many seconds (it may end it sooner). */
  readonly timeoutSeconds?: number;
}

export interface KubeApi {
  readonly namespace: string;
  create(kind: ResourceKind, body: KubeObject, signal?: AbortSignal): Promise<KubeObject>;
  /** The object, or undefined when it does not exist. */
  get(kind: ResourceKind, name: string, signal?: AbortSignal): Promise<KubeObject | undefined>;
  list(kind: ResourceKind, options: ListOptions, signal?: AbortSignal): Promise<ObjectList>;
  /** Tolerates an object that is already gone. */
  delete(kind: ResourceKind, name: string, options?: DeleteOptions, signal?: AbortSignal): Promise<void>;
  /**
   * Streams events from `resourceVersion` until the server ends the stream (resolves), the stream
   * fails (rejects; a 410 rejects with code 410) or `signal` aborts (resolves).
   */
  watch(
    kind: ResourceKind,
    options: WatchOptions,
    onEvent: (type: WatchEventType, object: KubeObject) => void,
    signal: AbortSignal,
  ): Promise<void>;
  /** A container's log as text (short outputs only: database tasks). */
  readLog(podName: string, container: string, signal?: AbortSignal): Promise<string>;
  /** An interactive session with a terminal in a pod's container (pods/exec). */
  exec(
    podName: string,
    container: string,
    command: readonly string[],
    terminal: ExecTerminal,
    signal?: AbortSignal,
  ): Promise<ExecSession>;
  /** CPU and memory of the namespace's pods, from the metrics API (metrics-server). */
  podUsage(signal?: AbortSignal): Promise<PodUsage[]>;
}
