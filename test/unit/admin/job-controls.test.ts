/**
 * Admin cancel and kill of one job: cancel behaves as the RAP API's cancel; kill stops the
 * container through CANCELJOB at once and fails the job as killed_by_admin, without a retry.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AdminError } from "../../../controller/admin/admin-errors.js";
import { cancelJobAsAdmin, killJob } from "../../../controller/admin/job-controls.js";
import { buildTestController, type TestController } from "../../support/controller-deps.js";
import { insertJob, reload } from "../../support/job-factory.js";

let tc: TestController;
beforeEach(() => {
  tc = buildTestController();
});
afterEach(() => tc.dispose());

const sink = () => ({ jobChanged: () => undefined, tasksChanged: (backend: string) => tc.pushedBackends.push(backend) });
const taskStates = (jobId: string) =>
  tc.deps.tasks
    .list({ limit: 100 })
    .filter((task) => task.jobId === jobId)
    .reverse()
    .map((task) => [task.type, task.active]);

function refusal(action: () => unknown): [string, string] | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof AdminError) return [error.kind, error.message];
    throw error;
  }
  return undefined;
}

describe("kill", () => {
  it("stops a running job's container and fails the job as killed_by_admin", () => {
    const job = insertJob(tc.deps);
    tc.scheduler.runOnce();
    tc.pushedBackends.length = 0;
    const killed = killJob(tc.deps, sink(), job.id);
    expect([killed.state, killed.statusCode, killed.statusMessage]).toEqual([
      "failed",
      "killed_by_admin",
      "An OpenSAFELY admin manually killed this job",
    ]);
    expect(killed.completedAt).not.toBeNull();
    expect(taskStates(job.id)).toEqual([
      ["runjob", false],
      ["canceljob", true],
    ]);
    expect(tc.pushedBackends).toEqual(["test"]);
    expect(tc.deps.tasks.get(`${job.id}-001-cancel`)?.definition).toMatchObject({
      kind: "job",
      id: job.id,
      taskId: `${job.id}-001-cancel`,
    });

    // Not retried: the scheduler never looks at it again.
    tc.scheduler.runOnce();
    expect(reload(tc.deps, job.id).statusCode).toBe("killed_by_admin");
    expect(taskStates(job.id)).toHaveLength(2);
  });

  it("fails a pending job without sending anything", () => {
    const job = insertJob(tc.deps);
    expect(killJob(tc.deps, sink(), job.id).statusCode).toBe("killed_by_admin");
    expect(taskStates(job.id)).toEqual([]);
  });

  it("refuses finished and unknown jobs", () => {
    const job = insertJob(tc.deps);
    killJob(tc.deps, sink(), job.id);
    expect(refusal(() => killJob(tc.deps, sink(), job.id))).toEqual([
      "failed_precondition",
      `job '${job.id}' has already finished (killed_by_admin)`,
    ]);
    expect(refusal(() => killJob(tc.deps, sink(), "nosuchjob"))).toEqual(["not_found", "no job with id 'nosuchjob'"]);
  });
});

describe("cancel", () => {
  it("marks the job cancelled like the API, and the scheduler stops it", () => {
    const job = insertJob(tc.deps);
    const sibling = insertJob(tc.deps, { rapId: job.rapId, action: "other" });
    tc.scheduler.runOnce();
    const before = tc.wakes();
    const marked = cancelJobAsAdmin(tc.deps, job.id);
    expect(marked.cancelled).toBe(true);
    expect(tc.wakes()).toBe(before + 1);
    tc.scheduler.runOnce();
    expect(reload(tc.deps, job.id).statusCode).toBe("cancelled_by_user");
    expect(taskStates(job.id)).toEqual([
      ["runjob", false],
      ["canceljob", true],
    ]);
    // Only that job: the rest of its RAP carries on.
    expect(reload(tc.deps, sibling.id).cancelled).toBe(false);
  });

  it("refuses finished jobs", () => {
    const job = insertJob(tc.deps);
    cancelJobAsAdmin(tc.deps, job.id);
    tc.scheduler.runOnce();
    expect(refusal(() => cancelJobAsAdmin(tc.deps, job.id))?.[0]).toBe("failed_precondition");
  });
});
