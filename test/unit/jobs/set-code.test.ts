/**
 * The status-change rule (upstream's set_code) over every status code, from a pending job and from
 * a running job: resulting state, started_at and completed_at, plus the heartbeat and the clamp.
 */
import { describe, expect, it } from "vitest";
import type { Job } from "../../../controller/jobs/job.js";
import { applyStatusCode } from "../../../controller/jobs/set-code.js";
import { STATUS_CODES, type State, type StatusCode } from "../../../controller/jobs/status.js";

const T0 = 1_795_000_000_000; // ms

function job(overrides: Partial<Job>): Job {
  return {
    id: "j",
    rapId: "r",
    backend: "test",
    state: "pending",
    statusCode: "created",
    statusMessage: "Created",
    repoUrl: "/repo",
    commit: "c",
    branch: "main",
    workspace: "w",
    databaseName: "default",
    action: "a",
    actionRepoUrl: null,
    actionCommit: null,
    requiresOutputsFrom: [],
    waitForJobIds: [],
    runCommand: "python:v2 x.py",
    outputSpec: {},
    cancelled: false,
    createdAt: T0 / 1000,
    updatedAt: T0 / 1000,
    startedAt: null,
    completedAt: null,
    statusCodeUpdatedAtMs: T0,
    traceContext: {},
    requiresDb: false,
    user: "u",
    project: "p",
    orgs: [],
    analysisScope: {},
    ...overrides,
  };
}

/** Expected [state, started_at, completed_at] after moving to `code` at T0 + 5 s. */
function expected(code: StatusCode, from: Job): [State, number | null, number | null] {
  const at = T0 / 1000 + 5;
  const running = ["initiated", "preparing", "prepared", "executing"];
  const reset = ["waiting_on_reboot", "waiting_db_maintenance", "waiting_on_new_task"];
  const final = [
    "succeeded",
    "dependency_failed",
    "nonzero_exit",
    "unmatched_patterns",
    "internal_error",
    "killed_by_admin",
    "stale_codelists",
    "job_error",
  ];
  if (running.includes(code)) return ["running", from.startedAt ?? at, from.completedAt];
  if (code === "cancelled_by_user") return ["failed", from.startedAt, from.completedAt];
  if (final.includes(code)) return [code === "succeeded" ? "succeeded" : "failed", from.startedAt, at];
  if (reset.includes(code)) return ["pending", null, from.completedAt];
  return [from.state, from.startedAt, from.completedAt];
}

const pending = job({});
const running = job({ state: "running", statusCode: "executing", startedAt: T0 / 1000 - 100 });

describe("applyStatusCode", () => {
  for (const [label, from] of [
    ["pending", pending],
    ["running", running],
  ] as const) {
    for (const code of STATUS_CODES.filter((value) => value !== from.statusCode)) {
      it(`${label} job -> ${code}`, () => {
        const change = applyStatusCode(from, code, "message", T0 + 5000);
        expect(change.kind).toBe("changed");
        const next = change.kind === "changed" ? change.job : from;
        expect([next.state, next.startedAt, next.completedAt]).toEqual(expected(code, from));
        expect([next.statusCode, next.statusMessage, next.updatedAt, next.statusCodeUpdatedAtMs]).toEqual([
          code,
          "message",
          T0 / 1000 + 5,
          T0 + 5000,
        ]);
      });
    }
  }

  it("uses the agent's timestamp for the transition, clamped to after the previous change", () => {
    const from = job({ statusCodeUpdatedAtMs: T0 + 9000 });
    const change = applyStatusCode(from, "preparing", "m", T0 + 20_000, T0 + 1000);
    expect(change.kind === "changed" && [change.job.statusCodeUpdatedAtMs, change.job.startedAt]).toEqual([
      T0 + 9001,
      Math.floor((T0 + 9001) / 1000),
    ]);
  });

  it("only refreshes updated_at for an unchanged code once 60 s have passed", () => {
    expect(applyStatusCode(pending, "created", "Created", T0 + 59_999)).toEqual({ kind: "unchanged" });
    expect(applyStatusCode(pending, "created", "Created", T0 + 60_000)).toEqual({ kind: "heartbeat", updatedAt: T0 / 1000 + 60 });
  });

  it("keeps the first started_at when a running job reports another running stage", () => {
    const change = applyStatusCode(running, "preparing", "m", T0 + 5000);
    expect(change.kind === "changed" && change.job.startedAt).toBe(T0 / 1000 - 100);
  });
});
