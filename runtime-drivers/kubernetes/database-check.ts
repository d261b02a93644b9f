/**
 * DBSTATUS / DBDATACHECK on Kubernetes: a throw-away Job of the database-utils image, labelled as
 * a database job (so the database egress policy lets it out), DATABASE_URL from the namespace's
 * secret. Its answer is one short line, read from the pod's log; only allow-listed answers pass.
 */
import { randomBytes } from "node:crypto";
import { databaseTaskDefaultArgs, parseDatabaseTaskOutput } from "../database-status.js";
import type { DatabaseCheckRequest, DatabaseCheckResults } from "../types.js";
import type { KubeApi, KubeObject } from "./kube-api.js";
import { DATABASE_LABEL, JOB_NAME_LABEL, ROLE_LABEL, SAFE_TO_EVICT_ANNOTATION, scopeLabels } from "./names.js";
import type { Toleration } from "./options.js";

export interface DatabaseCheckInput {
  readonly api: KubeApi;
  readonly backend: string;
  readonly image: string;
  readonly user: { readonly uid: number; readonly gid: number };
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly Toleration[];
  readonly imagePullSecrets: readonly string[];
  /** Undefined on dummy-data backends. */
  readonly secretName: string | undefined;
  readonly timeoutSeconds: number;
  /** Resolves with the Job and its pods whenever either changes (the executor's informers). */
  readonly waitForChange: (jobName: string, signal: AbortSignal) => Promise<{ job: KubeObject | undefined; pods: KubeObject[] }>;
}

export function buildDatabaseCheckJob(request: DatabaseCheckRequest, input: DatabaseCheckInput, name: string): KubeObject {
  const labels = {
    ...scopeLabels(input.backend),
    [ROLE_LABEL]: "database-check",
    [DATABASE_LABEL]: request.dummyData ? "false" : "true",
  };
  const seccompProfile = { type: "RuntimeDefault" };
  const env =
    input.secretName && !request.dummyData
      ? [{ name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: input.secretName, key: request.databaseName } } }]
      : [];
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace: input.api.namespace, labels },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: input.timeoutSeconds,
      ttlSecondsAfterFinished: 600,
      template: {
        metadata: { labels, annotations: { [SAFE_TO_EVICT_ANNOTATION]: "false" } },
        spec: {
          restartPolicy: "Never",
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: { runAsUser: input.user.uid, runAsGroup: input.user.gid, runAsNonRoot: true, seccompProfile },
          ...(Object.keys(input.nodeSelector).length > 0 ? { nodeSelector: { ...input.nodeSelector } } : {}),
          ...(input.tolerations.length > 0 ? { tolerations: input.tolerations.map((t) => ({ ...t })) } : {}),
          ...(input.imagePullSecrets.length > 0 ? { imagePullSecrets: input.imagePullSecrets.map((n) => ({ name: n })) } : {}),
          containers: [
            {
              name: "check",
              image: input.image,
              args:
                request.args.length > 0
                  ? [...request.args]
                  : databaseTaskDefaultArgs(request.kind, request.hesExpectedActivityMonth),
              env,
              securityContext: {
                allowPrivilegeEscalation: false,
                privileged: false,
                runAsNonRoot: true,
                capabilities: { drop: ["ALL"] },
                seccompProfile,
              },
            },
          ],
        },
      },
    },
  };
}

export async function runKubernetesDatabaseCheck(
  request: DatabaseCheckRequest,
  input: DatabaseCheckInput,
  signal: AbortSignal,
): Promise<DatabaseCheckResults> {
  const name = `rap-${request.kind}-${randomBytes(5).toString("hex")}`;
  const deadline = AbortSignal.any([signal, AbortSignal.timeout(input.timeoutSeconds * 1000 + 30_000)]);
  try {
    await input.api.create("jobs", buildDatabaseCheckJob(request, input, name), signal);
    for (;;) {
      const { job, pods } = await input.waitForChange(name, deadline);
      deadline.throwIfAborted();
      const pod = pods.find((found) => found.metadata?.labels?.[JOB_NAME_LABEL] === name);
      const terminated = pod?.status?.containerStatuses?.[0]?.state?.terminated;
      const failed = job?.status?.conditions?.find((c) => c.type === "Failed" && c.status === "True");
      if (terminated && pod?.metadata?.name) {
        // The exit code alone: the log may echo anything the image printed.
        if (terminated.exitCode !== 0) throw new Error(`${input.image} exited with code ${terminated.exitCode}`);
        const output = await input.api.readLog(pod.metadata.name, "check", signal);
        return { results: { status: parseDatabaseTaskOutput(request.kind, output) }, error: null };
      }
      if (failed) throw new Error(`the database check's Job failed: ${failed.reason ?? ""} ${failed.message ?? ""}`.trim());
    }
  } catch (error) {
    if (signal.aborted) throw error;
    const failure = error instanceof Error ? error : new Error(String(error));
    const timedOut = deadline.aborted;
    return {
      results: null,
      error: {
        type: timedOut ? "TimeoutError" : failure.name,
        message: timedOut ? `the database check did not finish within ${input.timeoutSeconds} seconds` : failure.message,
      },
    };
  } finally {
    await input.api.delete("jobs", name, { propagationPolicy: "Background", gracePeriodSeconds: 0 }).catch(() => undefined);
  }
}
