/** The Job, NetworkPolicy and name builders: exact objects, valid against the Kubernetes schemas. */
import { describe, expect, it } from "vitest";
import {
  buildDatabaseEgressPolicy,
  buildDenyAllPolicy,
  buildJobManifest,
  WRAPPER_SCRIPT,
} from "../../../runtime-drivers/kubernetes/manifests.js";
import { boundedName, jobName, labelValue, runTaskId, taskStateSubPath } from "../../../runtime-drivers/kubernetes/names.js";
import {
  cpuQuantity,
  memoryLimitQuantity,
  parseCpuQuantity,
  parseMemoryQuantity,
} from "../../../runtime-drivers/kubernetes/quantities.js";
import type { JobDefinition } from "../../../runtime-drivers/index.js";
import { validateObject } from "../../support/fake-kubernetes/schema-validation.js";

const job: JobDefinition = {
  id: "abcdefghijklmnop",
  rapId: "rap1",
  taskId: "abcdefghijklmnop-001",
  repoUrl: "https://github.com/o/r",
  commit: "c".repeat(40),
  study: { gitRepoUrl: "https://github.com/o/r", commit: "c".repeat(40), branch: "main" },
  workspace: "ws",
  action: "generate",
  createdAt: 1_700_000_000,
  image: "ghcr.io/opensafely-core/ehrql:v1",
  args: ["generate-dataset", "analysis/dataset.py"],
  env: { OPENSAFELY_BACKEND: "aks", B: "2" },
  inputJobIds: [],
  outputSpec: {},
  allowDatabaseAccess: true,
  databaseName: "full",
  level4MaxCsvRows: 5000,
  level4MaxFilesize: 16_000_000,
  level4FileTypes: [".csv"],
  user: "u",
  cpuCount: "2",
  memoryLimit: "4g",
};

const input = {
  job,
  namespace: "rap",
  backend: "aks",
  image: "registry.internal/ehrql:v1",
  entrypoint: ["/opt/venv/bin/ehrql"],
  jobVolumesClaim: "rap-job-volumes",
  user: { uid: 10000, gid: 10000 },
  nodeSelector: { agentpool: "jobs" },
  tolerations: [{ key: "rap-runner/jobs", operator: "Exists" as const, effect: "NoSchedule" as const }],
  imagePullSecrets: ["ghcr"],
  deadlines: { activeDeadlineSeconds: 3600, ttlSecondsAfterFinishedSeconds: 600 },
  databaseSecret: { name: "rap-database-urls", key: "full" },
};

describe("kubernetes names", () => {
  it("names a task's Job deterministically within 63 characters, the same for its cancel", () => {
    const name = jobName(job.id, job.taskId);
    expect(name).toMatch(/^os-job-abcdefghijklmnop-[0-9a-f]{8}$/);
    expect(jobName(job.id, `${job.taskId}-cancel`)).toBe(name);
    expect(jobName(job.id, "abcdefghijklmnop-002")).not.toBe(name);
    expect(runTaskId(`${job.taskId}-cancel`, job.id)).toBe(job.taskId);
    expect(taskStateSubPath(job.id, `${job.taskId}-cancel`)).toBe(taskStateSubPath(job.id, job.taskId));
  });

  it("cuts long names and label values to 63 characters and keeps them distinct by hash", () => {
    const a = boundedName(`os-job-${"x".repeat(80)}`, "a");
    const b = boundedName(`os-job-${"x".repeat(80)}`, "b");
    expect([a.length, b.length]).toEqual([63, 63]);
    expect(a).not.toBe(b);
    expect(boundedName("Upper_Case!!", "k")).toMatch(/^upper-case-[0-9a-f]{8}$/);
    expect(labelValue("abc-001")).toBe("abc-001");
    expect(labelValue("y".repeat(70)).length).toBeLessThanOrEqual(63);
  });

  it("converts docker-style limits to Kubernetes quantities and reads quantities back", () => {
    expect([
      memoryLimitQuantity("64m"),
      memoryLimitQuantity("4g"),
      memoryLimitQuantity("512k"),
      memoryLimitQuantity("1000"),
    ]).toEqual(["64Mi", "4Gi", "512Ki", "1000"]);
    expect([cpuQuantity("2"), cpuQuantity("0.5"), cpuQuantity(undefined), cpuQuantity("x")]).toEqual([
      "2000m",
      "500m",
      undefined,
      undefined,
    ]);
    expect([
      parseCpuQuantity("250m"),
      parseCpuQuantity("500000000n"),
      parseMemoryQuantity("64Mi"),
      parseMemoryQuantity("1G"),
    ]).toEqual([0.25, 0.5, 67108864, 1e9]);
  });
});

describe("kubernetes manifests", () => {
  it("builds the hardened one-pod Job for a task", () => {
    const manifest = buildJobManifest(input);
    const labels = {
      "app.kubernetes.io/managed-by": "rap-runner",
      "rap-runner/backend": "aks",
      "rap-runner/role": "job",
      "rap-runner/job-id": "abcdefghijklmnop",
      "rap-runner/task-id": "abcdefghijklmnop-001",
      "rap-runner/database": "true",
    };
    const seccompProfile = { type: "RuntimeDefault" };
    expect(manifest).toEqual({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        name: jobName(job.id, job.taskId),
        namespace: "rap",
        labels,
        annotations: {
          "rap-runner/task-id": "abcdefghijklmnop-001",
          "rap-runner/workspace": "ws",
          "rap-runner/action": "generate",
        },
      },
      spec: {
        backoffLimit: 0,
        activeDeadlineSeconds: 3600,
        ttlSecondsAfterFinished: 600,
        template: {
          metadata: { labels, annotations: { "cluster-autoscaler.kubernetes.io/safe-to-evict": "false" } },
          spec: {
            restartPolicy: "Never",
            terminationGracePeriodSeconds: 1,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: { runAsUser: 10000, runAsGroup: 10000, runAsNonRoot: true, seccompProfile },
            nodeSelector: { agentpool: "jobs" },
            tolerations: [{ key: "rap-runner/jobs", operator: "Exists", effect: "NoSchedule" }],
            imagePullSecrets: [{ name: "ghcr" }],
            containers: [
              {
                name: "job",
                image: "registry.internal/ehrql:v1",
                command: [
                  "/bin/sh",
                  "-c",
                  WRAPPER_SCRIPT,
                  "rap-job",
                  "/opt/venv/bin/ehrql",
                  "generate-dataset",
                  "analysis/dataset.py",
                ],
                workingDir: "/workspace",
                env: [
                  { name: "B", value: "2" },
                  { name: "OPENSAFELY_BACKEND", value: "aks" },
                  { name: "HOME", value: "/tmp" },
                  { name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: "rap-database-urls", key: "full" } } },
                ],
                resources: { requests: { cpu: "2000m", memory: "4Gi" }, limits: { cpu: "2000m", memory: "4Gi" } },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  privileged: false,
                  runAsNonRoot: true,
                  capabilities: { drop: ["ALL"] },
                  seccompProfile,
                },
                volumeMounts: [
                  { name: "job-volume", mountPath: "/workspace", subPath: "abcdefghijklmnop" },
                  { name: "job-volume", mountPath: "/rap-log", subPath: taskStateSubPath(job.id, job.taskId) },
                ],
              },
            ],
            volumes: [{ name: "job-volume", persistentVolumeClaim: { claimName: "rap-job-volumes" } }],
          },
        },
      },
    });
    expect(() => validateObject("Job", manifest as Record<string, unknown>)).not.toThrow();
  });

  it("gives a job without limits or database access none, and still validates", () => {
    const plain = buildJobManifest({
      ...input,
      job: { ...job, allowDatabaseAccess: false, cpuCount: undefined, memoryLimit: undefined },
      databaseSecret: undefined,
      nodeSelector: {},
      tolerations: [],
      imagePullSecrets: [],
    });
    const spec = (
      plain.spec as {
        template: { spec: Record<string, unknown> & { containers: { resources: unknown; env: { name: string }[] }[] } };
      }
    ).template.spec;
    expect(spec.containers[0]?.resources).toEqual({});
    expect(spec.containers[0]?.env.map((e) => e.name)).toEqual(["B", "OPENSAFELY_BACKEND", "HOME"]);
    expect(["nodeSelector", "tolerations", "imagePullSecrets"].filter((key) => key in spec)).toEqual([]);
    expect(() => validateObject("Job", plain as Record<string, unknown>)).not.toThrow();
  });

  it("denies jobs all traffic and lets database jobs reach the database only", () => {
    const deny = buildDenyAllPolicy("rap", "aks");
    const database = buildDatabaseEgressPolicy("rap", "aks", [{ cidr: "10.0.0.4/32", port: 1433 }]);
    expect(deny.spec).toEqual({
      podSelector: {
        matchLabels: { "app.kubernetes.io/managed-by": "rap-runner", "rap-runner/backend": "aks", "rap-runner/role": "job" },
      },
      policyTypes: ["Ingress", "Egress"],
      ingress: [],
      egress: [],
    });
    expect(database.spec).toEqual({
      podSelector: {
        matchLabels: {
          "app.kubernetes.io/managed-by": "rap-runner",
          "rap-runner/backend": "aks",
          "rap-runner/role": "job",
          "rap-runner/database": "true",
        },
      },
      policyTypes: ["Egress"],
      egress: [{ to: [{ ipBlock: { cidr: "10.0.0.4/32" } }], ports: [{ protocol: "TCP", port: 1433 }] }],
    });
    for (const policy of [deny, database])
      expect(() => validateObject("NetworkPolicy", policy as Record<string, unknown>)).not.toThrow();
  });

  it("a manifest the schema rejects is rejected (the check can fail)", () => {
    const manifest = buildJobManifest(input) as { spec: { backoffLimit: unknown } };
    manifest.spec.backoffLimit = "none";
    expect(() => validateObject("Job", manifest as unknown as Record<string, unknown>)).toThrow("backoffLimit must be integer");
    const badName = { ...buildJobManifest(input), metadata: { name: "Os_Job" } };
    expect(() => validateObject("Job", badName as Record<string, unknown>)).toThrow('metadata.name: Invalid value: "Os_Job"');
  });
});
