/**
 * The incremental scheduler makes exactly the decisions of a from-scratch pass. Two controllers
 * with real SQLite get the same random sequence of events (creates with dependencies, agent
 * updates, cancels, admin kills, pause and maintenance flags, time passing); after each event one
 * settles its incremental rounds, the other repeats the reference full pass (upstream's loop) until
 * nothing changes; every job and task row must then be identical, byte for byte.
 */
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { killJob } from "../../../controller/admin/job-controls.js";
import type { ChangeSink } from "../../../controller/scheduling/job-transitions.js";
import { loadResourceWeights, weightOfJobs } from "../../../controller/scheduling/resource-weights.js";
import { buildTestController, type TestController } from "../../support/controller-deps.js";
import { fullPass } from "../../support/full-pass-reference.js";
import { failedTaskResult, insertJob, reportTask, taskResults } from "../../support/job-factory.js";

const ENV = {
  // Upstream's loop retries a failed job on its next pass; the backoff between retries runs on a
  // real timer that the manual test clock cannot drive, so it is off here (running-jobs.test.ts
  // covers it) and both schedulers follow upstream's rule.
  JOB_RETRY_INITIAL_DELAY_MS: "0",
  BACKENDS: "test,tpp",
  TEST_MAX_WORKERS: "2",
  TEST_MAX_DB_WORKERS: "1",
  TPP_MAX_WORKERS: "2",
  TPP_MAX_DB_WORKERS: "1",
};
// Heavy actions weigh 2 in workspace w1 of test; commands with "half" weigh 0.5 everywhere on test.
const WEIGHTS = { test: "[w1]\nheavy.* = 2\n\n[default]\n.*half.* = 0.5\n" };
const BACKENDS = ["test", "tpp"] as const;
const WORKSPACES = ["w1", "w2", "w3"] as const;
const ACTIONS = ["a", "b", "heavy1", "heavy2", "c"] as const;

type Event =
  | {
      kind: "create";
      backend: number;
      workspace: number;
      action: number;
      requiresDb: boolean;
      half: boolean;
      sameSecond: boolean;
      needs: readonly number[];
    }
  | { kind: "update"; pick: number; outcome: "executing" | "finalized" | "succeeded" | "exit1" | "error" | "fatal" }
  | { kind: "cancel"; pick: number }
  | { kind: "kill"; pick: number }
  | { kind: "flag"; backend: number; flag: "paused" | "mode"; on: boolean }
  | { kind: "time"; seconds: number };

const eventArb: fc.Arbitrary<Event> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("create" as const),
      backend: fc.constantFrom(0, 1, 1),
      workspace: fc.constantFrom(0, 0, 1, 2),
      action: fc.nat(4),
      requiresDb: fc.boolean(),
      half: fc.boolean(),
      sameSecond: fc.boolean(),
      // Mostly independent jobs, so that pools fill up; some wait for earlier ones.
      needs: fc.oneof(
        { weight: 3, arbitrary: fc.constant<number[]>([]) },
        { weight: 1, arbitrary: fc.array(fc.nat(40), { maxLength: 2 }) },
      ),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("update" as const),
      pick: fc.nat(40),
      outcome: fc.constantFrom(
        "executing" as const,
        "finalized" as const,
        "succeeded" as const,
        "exit1" as const,
        "error" as const,
        "fatal" as const,
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("cancel" as const), pick: fc.nat(40) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("kill" as const), pick: fc.nat(40) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("flag" as const),
      backend: fc.nat(1),
      flag: fc.constantFrom("paused" as const, "mode" as const),
      // Mostly off, so that backends spend most of a sequence running jobs.
      on: fc.constantFrom(true, false, false),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("time" as const), seconds: fc.integer({ min: 1, max: 90 }) }) },
);

/** Every job and task row, as stored. */
function snapshot(tc: TestController): unknown {
  return {
    jobs: tc.deps.db.prepare("SELECT rowid, * FROM job ORDER BY rowid").all(),
    tasks: tc.deps.db.prepare("SELECT rowid, * FROM tasks ORDER BY rowid").all(),
  };
}

let controllers: TestController[] = [];
afterEach(() => {
  for (const tc of controllers) tc.dispose();
  controllers = [];
});

class Pair {
  readonly incremental = buildTestController({ env: ENV, weightFiles: WEIGHTS });
  readonly reference = buildTestController({ env: ENV, weightFiles: WEIGHTS });
  private readonly referenceSink: ChangeSink = { jobChanged: () => undefined, tasksChanged: () => undefined };
  private readonly referenceWeights = weightOfJobs(loadResourceWeights(this.reference.workdir, [...BACKENDS]));
  /** Admin writes on the incremental side report to the scheduler, as the controller's sink does. */
  private readonly incrementalSink: ChangeSink = {
    jobChanged: (job) => this.incremental.scheduler.jobStored(job),
    tasksChanged: () => undefined,
  };
  private readonly ids: string[] = [];
  private created = 0;

  constructor() {
    controllers.push(this.incremental, this.reference);
  }

  private both(work: (tc: TestController) => void): void {
    work(this.incremental);
    work(this.reference);
  }

  /** A job chosen by index among those that exist (undefined when none). */
  private pick(index: number): string | undefined {
    return this.ids.length === 0 ? undefined : this.ids[index % this.ids.length];
  }

  /** A pending or running job chosen by index (undefined when none). */
  private pickActive(index: number) {
    const active = this.incremental.deps.jobs.active();
    return active.length === 0 ? undefined : active[index % active.length];
  }

  apply(event: Event): void {
    switch (event.kind) {
      case "create": {
        const id = `job${String(++this.created).padStart(3, "0")}`;
        const backend = BACKENDS[event.backend]!;
        const workspace = WORKSPACES[event.workspace]!;
        const waitFor = [...new Set(event.needs.map((n) => this.pick(n)).filter((x): x is string => x !== undefined))];
        if (!event.sameSecond) this.both((tc) => tc.clock.advance(1000));
        this.both((tc) =>
          insertJob(tc.deps, {
            id,
            rapId: `rap-${id}`,
            backend,
            workspace,
            action: ACTIONS[event.action]!,
            requiresDb: event.requiresDb,
            runCommand: event.half ? "python:v2 half.py" : "python:v2 run.py",
            waitForJobIds: waitFor,
          }),
        );
        this.ids.push(id);
        this.incremental.scheduler.jobsChanged([id]);
        return;
      }
      case "update": {
        // The chosen job's active RUNJOB task, if it has one (both sides agree, or the test already failed).
        const tasks = this.incremental.deps.tasks
          .list({ activeOnly: true, limit: 1000 })
          .filter((t) => t.type === "runjob")
          .reverse();
        const task = tasks.length === 0 ? undefined : tasks[event.pick % tasks.length];
        if (!task) return;
        const report =
          event.outcome === "executing" || event.outcome === "finalized"
            ? { stage: event.outcome, complete: false }
            : {
                stage: "finalized" as const,
                complete: true,
                result:
                  event.outcome === "succeeded"
                    ? taskResults()
                    : event.outcome === "exit1"
                      ? taskResults({ exitCode: 1 })
                      : event.outcome === "error"
                        ? failedTaskResult({ type: "CommandError", message: "docker daemon went away", permanent: false })
                        : failedTaskResult({ type: "CheckoutError", message: "commit not found", permanent: true }),
              };
        this.both((tc) => reportTask(tc.deps, task.id, report));
        this.incremental.scheduler.jobsChanged([task.jobId!]);
        return;
      }
      case "cancel": {
        const job = this.pickActive(event.pick);
        if (!job) return;
        this.both((tc) => tc.deps.jobs.markCancelled(job.rapId, [job.action], Math.floor(tc.clock.nowMs() / 1000)));
        this.incremental.scheduler.jobsChanged([job.id]);
        return;
      }
      case "kill": {
        const job = this.pickActive(event.pick);
        if (!job) return;
        killJob(this.incremental.deps, this.incrementalSink, job.id);
        killJob(this.reference.deps, this.referenceSink, job.id);
        return;
      }
      case "flag": {
        const backend = BACKENDS[event.backend]!;
        const value = event.flag === "paused" ? (event.on ? "true" : null) : event.on ? "db-maintenance" : null;
        this.both((tc) => tc.deps.flags.set(backend, event.flag, value, tc.clock.nowMs() / 1000));
        this.incremental.scheduler.backendChanged(backend);
        return;
      }
      case "time":
        this.both((tc) => tc.clock.advance(event.seconds * 1000));
        return;
    }
  }

  /** Incremental rounds until quiet; reference passes until a pass changes nothing. */
  settle(): void {
    this.incremental.scheduler.settle();
    // SQLite counts every row this connection writes: a pass that writes none changed nothing.
    const writes = this.reference.deps.db.prepare<[], number>("SELECT total_changes()").pluck();
    for (let pass = 0; pass < 50; pass++) {
      const before = writes.get();
      fullPass(this.reference.deps, this.referenceSink, this.referenceWeights);
      if (writes.get() === before) return;
    }
    throw new Error("the reference scheduler did not settle in 50 passes");
  }
}

describe("incremental scheduling equals a full pass", () => {
  it("after every event of random sequences (creates, updates, cancels, kills, flags, time)", () => {
    fc.assert(
      fc.property(fc.array(eventArb, { minLength: 20, maxLength: 60, size: "max" }), (events) => {
        const pair = new Pair();
        try {
          pair.settle();
          events.forEach((event, index) => {
            pair.apply(event);
            pair.settle();
            expect(snapshot(pair.incremental), `after event ${index}: ${JSON.stringify(event)}`).toEqual(
              snapshot(pair.reference),
            );
          });
        } finally {
          for (const tc of controllers.splice(0)) tc.dispose();
        }
      }),
      { numRuns: 40 },
    );
  }, 120_000);

  it("starts exactly the jobs a full pass starts when one freed worker slot has 300 jobs queued for it", () => {
    const pair = new Pair();
    for (let n = 0; n < 300; n++) {
      pair.apply({
        kind: "create",
        backend: 1,
        workspace: n % 3,
        action: n % 5,
        requiresDb: n % 4 === 0,
        half: false,
        sameSecond: n % 7 !== 0,
        needs: [],
      });
    }
    pair.settle();
    expect(snapshot(pair.incremental)).toEqual(snapshot(pair.reference));
    const running = () => pair.incremental.deps.jobs.running().map((job) => job.id);
    expect(running()).toHaveLength(3);
    expect(pair.incremental.scheduler.readyCount).toBe(297);
    // Finish the running jobs one by one: each frees one slot, and both sides fill it with the same job.
    for (let round = 0; round < 10; round++) {
      const id = running()[0]!;
      pair.apply({ kind: "update", pick: pairIndex(id), outcome: "succeeded" });
      pair.settle();
      expect(snapshot(pair.incremental)).toEqual(snapshot(pair.reference));
    }
    expect(pair.incremental.scheduler.readyCount).toBe(287);
  });
});

describe("the rules a full pass implies, one at a time", () => {
  const create = (backend: number, workspace: number, needs: number[] = []): Event => ({
    kind: "create",
    backend,
    workspace,
    action: 0,
    requiresDb: false,
    half: false,
    sameSecond: false,
    needs,
  });
  const codes = (pair: Pair) => pair.incremental.deps.db.prepare("SELECT id, status_code FROM job ORDER BY rowid").all();

  it("a job whose dependency finishes competes for the freed worker in the same pass", () => {
    const pair = new Pair();
    // tpp has 2 workers: job001 and job002 run; job003 waits for job001; job004 waits for a worker.
    for (const event of [create(1, 0), create(1, 1), create(1, 2, [0]), create(1, 2)]) pair.apply(event);
    pair.settle();
    pair.apply({ kind: "update", pick: 0, outcome: "succeeded" });
    pair.settle();
    expect(snapshot(pair.incremental)).toEqual(snapshot(pair.reference));
    // job003 is older than job004, so it takes job001's worker.
    expect(codes(pair)).toEqual([
      { id: "job001", status_code: "succeeded" },
      { id: "job002", status_code: "initiated" },
      { id: "job003", status_code: "initiated" },
      { id: "job004", status_code: "waiting_on_workers" },
    ]);
  });

  it("a job sent back to pending by its agent's error waits for the next pass, as upstream's loop does", () => {
    const pair = new Pair();
    for (const event of [create(1, 0), create(1, 1), create(1, 2)]) pair.apply(event);
    pair.settle();
    pair.apply({ kind: "update", pick: 0, outcome: "error" });
    pair.settle();
    expect(snapshot(pair.incremental)).toEqual(snapshot(pair.reference));
    // job003 took job001's worker in the pass that saw the error; job001 then waits for one.
    expect(codes(pair)).toEqual([
      { id: "job001", status_code: "waiting_on_workers" },
      { id: "job002", status_code: "initiated" },
      { id: "job003", status_code: "initiated" },
    ]);
  });
});

/** The pick index of a job created by Pair (ids are job001, job002, …). */
function pairIndex(id: string): number {
  return Number(id.slice(3)) - 1;
}
