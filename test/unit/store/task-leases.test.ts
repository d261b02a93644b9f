/**
 * Task leases in the real SQLite task store: a lease another agent holds keeps a task from a standby
 * until it runs out, and each agent's updates are numbered on their own, so the standby's seq 1 is
 * stored although the first agent already sent seq 1-3.
 */
import { afterEach, describe, expect, it } from "vitest";
import { buildTestController, type TestController } from "../../support/controller-deps.js";

let tc: TestController | undefined;
afterEach(() => tc?.dispose());

function withTask(): TestController {
  tc = buildTestController();
  tc.deps.tasks.insert({
    id: "job-001",
    backend: "test",
    type: "runjob",
    jobId: null,
    definition: { kind: "database", databaseName: "", image: "", args: [], hesExpectedActivityMonth: "" },
    attributes: {},
    createdAt: 0,
  });
  return tc;
}

const report = (seq: number, complete = false) =>
  ({ taskId: "job-001", seq, stage: "executing", complete, timestampNs: null, result: null }) as const;

describe("task leases", () => {
  it("keeps a task from another agent until the holder's lease has run out", () => {
    const { deps } = withTask();
    expect(deps.tasks.acquireLease("job-001", { agentId: "a", sessionId: "s1", expiresAtMs: 1_000 }, 0)).toBe(true);
    expect(deps.tasks.acquireLease("job-001", { agentId: "b", sessionId: "s2", expiresAtMs: 1_999 }, 999)).toBe(false);
    expect(deps.tasks.lease("job-001")).toEqual({ agentId: "a", sessionId: "s1", expiresAtMs: 1_000 });
    // The holder renews on every heartbeat; only its own session's leases move.
    deps.tasks.renewLeases("s2", 5_000);
    deps.tasks.renewLeases("s1", 2_000);
    expect(deps.tasks.acquireLease("job-001", { agentId: "b", sessionId: "s2", expiresAtMs: 3_000 }, 1_999)).toBe(false);
    expect(deps.tasks.acquireLease("job-001", { agentId: "b", sessionId: "s2", expiresAtMs: 3_000 }, 2_000)).toBe(true);
    expect(deps.tasks.lease("job-001")).toEqual({ agentId: "b", sessionId: "s2", expiresAtMs: 3_000 });
  });

  it("stores a new holder's updates from seq 1 and a returning session of the same agent from where it was", () => {
    const { deps } = withTask();
    deps.tasks.acquireLease("job-001", { agentId: "a", sessionId: "s1", expiresAtMs: 1_000 }, 0);
    expect([1, 2, 3, 2].map((seq) => deps.tasks.recordReport(report(seq), 0))).toEqual([true, true, true, false]);
    // The same agent reconnecting keeps its numbering: a replayed seq 3 is a duplicate.
    deps.tasks.acquireLease("job-001", { agentId: "a", sessionId: "s1b", expiresAtMs: 2_000 }, 500);
    expect(deps.tasks.recordReport(report(3), 0)).toBe(false);
    expect(deps.tasks.get("job-001")?.lastSeq).toBe(3);
    // A standby takes over after the lease ran out and numbers its updates from 1.
    deps.tasks.acquireLease("job-001", { agentId: "b", sessionId: "s2", expiresAtMs: 9_000 }, 2_000);
    expect(deps.tasks.get("job-001")?.lastSeq).toBe(0);
    expect(deps.tasks.recordReport(report(1, true), 7)).toBe(true);
    expect([deps.tasks.get("job-001")?.active, deps.tasks.get("job-001")?.finishedAt]).toEqual([false, 7]);
  });

  it("lets a declined task's lease go only while no update of it was stored, and only for its session", () => {
    const { deps } = withTask();
    deps.tasks.acquireLease("job-001", { agentId: "a", sessionId: "s1", expiresAtMs: 60_000 }, 0);
    expect(deps.tasks.releaseUntouchedLease("job-001", "s-other")).toBe(false);
    expect(deps.tasks.releaseUntouchedLease("job-001", "s1")).toBe(true);
    expect(deps.tasks.lease("job-001")).toBeUndefined();
    // The next agent need not wait for the minute to pass.
    expect(deps.tasks.acquireLease("job-001", { agentId: "b", sessionId: "s2", expiresAtMs: 60_100 }, 100)).toBe(true);
    // Once it has reported, a decline (a confused or hostile agent) frees nothing.
    deps.tasks.recordReport(report(1), 0);
    expect(deps.tasks.releaseUntouchedLease("job-001", "s2")).toBe(false);
    expect(deps.tasks.lease("job-001")).toEqual({ agentId: "b", sessionId: "s2", expiresAtMs: 60_100 });
  });

  it("gives no lease on a task that has ended", () => {
    const { deps } = withTask();
    deps.tasks.deactivate("job-001", 1);
    expect(deps.tasks.acquireLease("job-001", { agentId: "a", sessionId: "s1", expiresAtMs: 1_000 }, 0)).toBe(false);
    expect(deps.tasks.lease("job-001")).toBeUndefined();
  });
});
