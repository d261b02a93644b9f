/**
 * The agent config file's `kubernetes:` section (used when `driver: kubernetes`), validated with a
 * strict schema: an unknown or misspelt key is an error, never silently ignored. Values only; the
 * environment is read in config.ts.
 */
import { z } from "zod";

const positiveSeconds = z.number().int().positive();

const toleration = z.strictObject({
  key: z.string().optional(),
  operator: z.enum(["Exists", "Equal"]).optional(),
  value: z.string().optional(),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional(),
  toleration_seconds: z.number().int().nonnegative().optional(),
});

export const kubernetesSectionSchema = z.strictObject({
  /** Namespace the Jobs run in. */
  namespace: z.string().min(1).default("default"),
  /** A kubeconfig file; omitted: the in-cluster service account (the agent runs as a pod). */
  kubeconfig: z.string().min(1).optional(),
  /** Overrides the API server address (tests point it at the fake API server). */
  server: z.url().optional(),
  /** The ReadWriteMany claim the agent mounts at the volumes directory; job volumes are its sub-paths. */
  job_volumes_claim: z.string().min(1).default("rap-job-volumes"),
  /** `uid:gid` the job containers run as (never root). */
  job_user: z
    .string()
    .regex(/^\d+:\d+$/, "must be uid:gid")
    .refine((value) => !value.startsWith("0:"), "jobs never run as root")
    .default("10000:10000"),
  node_selector: z.record(z.string(), z.string()).default({}),
  tolerations: z.array(toleration).default([]),
  image_pull_secrets: z.array(z.string().min(1)).default([]),
  /** Image (after the image map; with or without tag) -> its ENTRYPOINT; `default` for the rest. */
  entrypoints: z.record(z.string(), z.array(z.string()).min(1)).default({ default: ["/bin/sh"] }),
  deadlines: z
    .strictObject({
      active_deadline_seconds: positiveSeconds.default(7 * 24 * 3600),
      ttl_seconds_after_finished: positiveSeconds.default(24 * 3600),
      image_pull_grace_seconds: positiveSeconds.default(30),
      pending_timeout_seconds: positiveSeconds.default(15 * 60),
      /** A pod still there this long after its graceful delete is deleted forcefully. */
      pod_stop_timeout_seconds: positiveSeconds.default(30),
    })
    .prefault({}),
  watch: z
    .strictObject({
      silence_seconds: positiveSeconds.default(90),
      resync_seconds: positiveSeconds.default(600),
      max_backoff_ms: z.number().int().positive().default(30_000),
    })
    .prefault({}),
  rate_limit: z
    .strictObject({
      qps: z.number().positive().default(20),
      burst: z.number().int().positive().default(30),
    })
    .prefault({}),
  database: z
    .strictObject({
      /** Secret (in the namespace) with one key per database name holding its URL. */
      secret_name: z.string().min(1).default("rap-database-urls"),
      /** Where database jobs may connect: one NetworkPolicy egress rule each. */
      egress: z.array(z.strictObject({ cidr: z.string().min(1), port: z.number().int().min(1).max(65535) })).default([]),
    })
    .prefault({}),
});

export type KubernetesSection = z.infer<typeof kubernetesSectionSchema>;

/** Parses the section or throws an Error naming every problem with its key path. */
export function parseKubernetesSection(value: unknown): KubernetesSection {
  const parsed = kubernetesSectionSchema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const where = ["kubernetes", ...issue.path.map(String)].join(".");
    if (issue.code === "unrecognized_keys") return `${where}: unknown key(s) ${issue.keys.join(", ")}`;
    return `${where}: ${issue.message}`;
  });
  throw new Error(`invalid agent config: ${problems.join("; ")}`);
}
