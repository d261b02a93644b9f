/** How Job and pod objects map to what the driver reports (pure; the fake-cluster tests cover the rest). */
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../runtime-drivers/kubernetes/kube-api.js";
import { formatEvents, nextDeadlineMs, observe } from "../../../runtime-drivers/kubernetes/pod-outcome.js";

const deadlines = { imagePullGraceSeconds: 30, pendingTimeoutSeconds: 900, activeDeadlineSeconds: 3600 };
const t0 = Date.parse("2026-01-01T00:00:00Z");
const job: KubeObject = { metadata: { name: "j", creationTimestamp: "2026-01-01T00:00:00Z" }, status: {} };
const pod = (status: KubeObject["status"], metadata: KubeObject["metadata"] = {}): KubeObject => ({
  metadata: { name: "j-abcde", uid: "u1", creationTimestamp: "2026-01-01T00:00:00Z", ...metadata },
  status,
});
const waiting = (reason: string, message = "") =>
  pod({ phase: "Pending", containerStatuses: [{ name: "job", image: "img:1", state: { waiting: { reason, message } } }] });

describe("observe", () => {
  it("reads a terminated container, OOMKilled included", () => {
    const terminated = { exitCode: 137, reason: "OOMKilled", finishedAt: "2026-01-01T00:01:00Z" };
    expect(
      observe(
        job,
        [pod({ phase: "Failed", containerStatuses: [{ name: "job", imageID: "sha", state: { terminated } }] })],
        t0,
        deadlines,
      ),
    ).toEqual({
      kind: "terminated",
      terminated,
      imageId: "sha",
      podName: "j-abcde",
      podUid: "u1",
    });
  });

  it("waits out the image pull grace period, then fails the job", () => {
    expect(observe(job, [waiting("ErrImagePull")], t0 + 29_000, deadlines).kind).toBe("pending");
    expect(observe(job, [waiting("ImagePullBackOff", "Back-off pulling image")], t0 + 30_000, deadlines)).toEqual({
      kind: "failed",
      podName: "j-abcde",
      failure: {
        kind: "job",
        reason: "ImagePull",
        message: "Image img:1 could not be pulled (ImagePullBackOff: Back-off pulling image)",
      },
    });
    expect(nextDeadlineMs({ kind: "pending", sinceMs: t0 }, deadlines)).toBe(t0 + 30_000);
  });

  it("fails a pod pending too long, as unschedulable when the scheduler said so", () => {
    const unschedulable = pod({
      phase: "Pending",
      conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/3 nodes" }],
    });
    expect(observe(job, [unschedulable], t0 + 899_000, deadlines).kind).toBe("pending");
    expect(observe(job, [unschedulable], t0 + 900_000, deadlines)).toEqual({
      kind: "failed",
      podName: "j-abcde",
      failure: {
        kind: "job",
        reason: "Unschedulable",
        message: "The job did not start within 900 seconds (unschedulable: 0/3 nodes)",
        withEvents: true,
      },
    });
  });

  it("treats eviction, deletion and a Job without its pod as the platform's failures", () => {
    const evicted = pod({
      phase: "Failed",
      reason: "Evicted",
      message: "low on memory",
      containerStatuses: [{ name: "job", state: { terminated: { exitCode: 137 } } }],
    });
    expect(observe(job, [evicted], t0, deadlines)).toMatchObject({
      kind: "failed",
      failure: { kind: "executor", reason: "Evicted", message: "The job's pod was stopped by the cluster: low on memory" },
    });
    const deleting = pod(
      { phase: "Running", containerStatuses: [{ name: "job", state: { running: {} } }] },
      { deletionTimestamp: "2026-01-01T00:00:05Z" },
    );
    expect(observe(job, [deleting], t0, deadlines)).toMatchObject({ failure: { kind: "executor", reason: "PodDeleted" } });
    const failedJob: KubeObject = {
      ...job,
      status: {
        conditions: [
          {
            type: "Failed",
            status: "True",
            reason: "BackoffLimitExceeded",
            message: "Job has reached the specified backoff limit",
          },
        ],
      },
    };
    expect(observe(failedJob, [], t0, deadlines)).toMatchObject({
      failure: {
        kind: "executor",
        reason: "FinishedWithoutPod",
        message:
          "The job's pod disappeared before the job finished (deleted, or its node was lost): Job has reached the specified backoff limit",
      },
    });
  });

  it("reports the deadline over whatever the killed container said", () => {
    const deadlineJob: KubeObject = {
      ...job,
      status: { conditions: [{ type: "Failed", status: "True", reason: "DeadlineExceeded" }] },
    };
    expect(observe(deadlineJob, [], t0, deadlines)).toEqual({
      kind: "failed",
      podName: undefined,
      failure: {
        kind: "job",
        reason: "DeadlineExceeded",
        message: "Job exceeded its time limit of 3600 seconds and was stopped",
      },
    });
    expect(observe(undefined, [], t0, deadlines)).toEqual({ kind: "absent" });
  });

  it("formats the last warning events", () => {
    expect(
      formatEvents([
        { type: "Normal", reason: "Scheduled", message: "ok" },
        { type: "Warning", reason: "FailedMount", message: "no", involvedObject: { kind: "Pod" } },
      ]),
    ).toBe("\nEvents:\n  Pod FailedMount: no");
    expect(formatEvents([])).toBe("");
  });
});
