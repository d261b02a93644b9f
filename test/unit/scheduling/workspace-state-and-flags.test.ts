/**
 * T52 (upstream's test_workspace_state.py: the latest uncancelled job per action) and T53
 * (test_queries.py: flags), against the real JobStore and FlagStore on SQLite.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildTestController, type TestController } from "../../support/controller-deps.js";
import { insertJob } from "../../support/job-factory.js";

let tc: TestController;
beforeEach(() => {
  tc = buildTestController();
});
afterEach(() => tc.dispose());

const here = { backend: "the-backend", workspace: "the-workspace" } as const;

function state(): Array<[string, string]> {
  return [...tc.deps.jobs.latestPerAction("the-backend", "the-workspace")].map(([action, job]) => [action, job.id]);
}

describe("T52 workspace state", () => {
  it("gets one job, ignoring other backends", () => {
    const job = insertJob(tc.deps, { ...here, action: "the-action", state: "succeeded", statusCode: "succeeded" });
    insertJob(tc.deps, { ...here, backend: "other-backend", action: "the-action", state: "succeeded", statusCode: "succeeded" });
    expect(state()).toEqual([["the-action", job.id]]);
    expect(tc.deps.jobs.latestPerAction("the-backend", "the-workspace").get("the-action")?.state).toBe("succeeded");
  });

  it("gets a job for each action", () => {
    const one = insertJob(tc.deps, { ...here, action: "action1" });
    const two = insertJob(tc.deps, { ...here, action: "action2" });
    expect(new Map(state())).toEqual(
      new Map([
        ["action1", one.id],
        ["action2", two.id],
      ]),
    );
  });

  it("ignores jobs for other backends", () => {
    const mine = insertJob(tc.deps, { ...here, action: "action1" });
    insertJob(tc.deps, { ...here, backend: "other-backend", action: "action1" });
    insertJob(tc.deps, { ...here, backend: "other-backend", action: "action2" });
    expect(state()).toEqual([["action1", mine.id]]);
  });

  it("gets the latest job for an action by created_at", () => {
    const later = insertJob(tc.deps, {
      ...here,
      action: "the-action",
      createdAt: 2000,
      state: "succeeded",
      statusCode: "succeeded",
    });
    insertJob(tc.deps, { ...here, action: "the-action", createdAt: 1000, state: "failed", statusCode: "nonzero_exit" });
    expect(state()).toEqual([["the-action", later.id]]);
  });

  it("ignores cancelled jobs", () => {
    const failed = insertJob(tc.deps, {
      ...here,
      action: "the-action",
      createdAt: 1000,
      state: "failed",
      statusCode: "nonzero_exit",
    });
    insertJob(tc.deps, {
      ...here,
      action: "the-action",
      createdAt: 2000,
      state: "succeeded",
      statusCode: "succeeded",
      cancelled: true,
    });
    expect(state()).toEqual([["the-action", failed.id]]);
  });

  it("does not include the legacy __error__ jobs", () => {
    insertJob(tc.deps, { ...here, action: "__error__" });
    expect(state()).toEqual([]);
  });
});

describe("T53 flags", () => {
  it("an unset flag reads as absent", () => {
    expect(tc.deps.flags.get("foo", "foo")).toBeUndefined();
  });

  it("writing the same value keeps the timestamp; null clears the value", () => {
    const first = tc.deps.flags.set("foo", "foo", "bar", 1000.5);
    expect(first).toEqual({ id: "foo", backend: "foo", value: "bar", timestamp: 1000.5 });
    expect(tc.deps.flags.set("foo", "foo", "bar", 2000).timestamp).toBe(1000.5);
    expect(tc.deps.flags.set("foo", "foo", null, 3000)).toEqual({ id: "foo", backend: "foo", value: null, timestamp: 3000 });
  });

  it("flags are per backend", () => {
    tc.deps.flags.set("test1", "foo", "bar", 1);
    expect(tc.deps.flags.get("test1", "foo")?.value).toBe("bar");
    expect(tc.deps.flags.get("test2", "foo")).toBeUndefined();
    tc.deps.flags.set("test2", "foo", "baz", 2);
    expect(tc.deps.flags.get("test2", "foo")?.value).toBe("baz");
    expect(tc.deps.flags.get("test1", "foo")?.value).toBe("bar");
  });
});
