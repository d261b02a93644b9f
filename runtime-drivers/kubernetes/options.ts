/** Everything the Kubernetes driver is configured with (the agent's YAML `kubernetes:` section, resolved). */
import type { CheckoutOptions } from "../checkout.js";
import type { JobDefinition, Logger, StorageLayout } from "../types.js";
import type { KubernetesCounters } from "./driver-metrics.js";
import type { KubeApi } from "./kube-api.js";

export interface Toleration {
  readonly key?: string;
  readonly operator?: "Exists" | "Equal";
  readonly value?: string;
  readonly effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  readonly tolerationSeconds?: number;
}

/** Where the database may be reached from database jobs (one NetworkPolicy egress rule each). */
export interface DatabaseEgress {
  readonly cidr: string;
  readonly port: number;
}

export interface KubernetesDeadlines {
  /** `activeDeadlineSeconds` of every job's Job. */
  readonly activeDeadlineSeconds: number;
  /** `ttlSecondsAfterFinished`: the cluster removes finished Jobs the agent never reaped. */
  readonly ttlSecondsAfterFinishedSeconds: number;
  /** Image pull errors are tolerated this long (registries hiccup), then the job fails. */
  readonly imagePullGraceSeconds: number;
  /** A pod not running after this long (unschedulable, stuck) fails the job with its Events. */
  readonly pendingTimeoutSeconds: number;
  /** A pod still there this long after its graceful delete (lost node, wedged kubelet) is force-deleted. */
  readonly podStopTimeoutSeconds: number;
}

export interface KubernetesWatchTuning {
  /** A watch that sends nothing (not even a bookmark) for this long is restarted with a relist. */
  readonly silenceSeconds: number;
  /** Every this often the informers relist everything (the slow full reconcile). */
  readonly resyncSeconds: number;
  /** Upper bound of the restart backoff. */
  readonly maxBackoffMs: number;
}

export interface KubernetesDriverOptions {
  readonly api: KubeApi;
  readonly counters: KubernetesCounters;
  /** Backend name: scopes the labels, so agents of two backends can share a namespace. */
  readonly backend: string;
  readonly layout: StorageLayout;
  readonly checkout: CheckoutOptions;
  /**
   * The ReadWriteMany claim mounted by the agent at `layout.volumesDir`; each job's volume is the
   * sub-path `<job id>` of it (see README: storage choices).
   */
  readonly jobVolumesClaim: string;
  readonly user: { readonly uid: number; readonly gid: number };
  /** Chown prepared volumes to this owner (when the agent runs as root and jobs do not). */
  readonly volumeOwner?: { readonly uid: number; readonly gid: number } | undefined;
  readonly imageMap?: Readonly<Record<string, string>> | undefined;
  /**
   * Image ENTRYPOINT per image (after the image map, without tag, or with it), `default` for the
   * rest: the job command is wrapped so its output goes to a file, which replaces the entrypoint.
   */
  readonly entrypoints: Readonly<Record<string, readonly string[]>>;
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly Toleration[];
  readonly imagePullSecrets: readonly string[];
  readonly deadlines: KubernetesDeadlines;
  readonly watch: KubernetesWatchTuning;
  /** Undefined on a dummy-data backend: database jobs get no secret and no extra egress. */
  readonly database?:
    | {
        /** Secret in the namespace holding one key per database name (its URL). */
        readonly secretName: string;
        readonly egress: readonly DatabaseEgress[];
      }
    | undefined;
  /** Study project.yaml action names, for manifest out-of-date flags. */
  readonly readStudyActions?: (job: JobDefinition, signal: AbortSignal) => Promise<Set<string> | undefined>;
  readonly log: Logger;
  readonly nowNs?: () => bigint;
}
