/**
 * The controller's real dependencies without a server: SQLite in a temp WORKDIR (migrated), the
 * real JobStore/TaskStore/FlagStore, real git sources, and a real Scheduler whose runs the test
 * drives with runOnce() (a full round) or settle() (incremental rounds). Only the clock is injected;
 * `deps.scheduler` counts wakes and passes them to the scheduler, which in manual mode never starts
 * a background run that would race the test's own assertions.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadControllerConfig } from "../../controller/config.js";
import type { ControllerDeps } from "../../controller/deps.js";
import { ActionRepos } from "../../controller/git/action-repos.js";
import { ProjectSource } from "../../controller/git/project-source.js";
import type { Job } from "../../controller/jobs/job.js";
import type { ChangeSink } from "../../controller/scheduling/job-transitions.js";
import { loadResourceWeights, weightOfJobs } from "../../controller/scheduling/resource-weights.js";
import { Scheduler } from "../../controller/scheduling/scheduler.js";
import { FlagStore } from "../../controller/store/flag-store.js";
import { JobStore } from "../../controller/store/job-store.js";
import { openDatabase } from "../../controller/store/open-database.js";
import { TaskStore } from "../../controller/store/task-store.js";
import { quietLogger } from "./controller-harness.js";

/** A clock the test moves by hand (milliseconds since the epoch). */
export interface TestClock {
  nowMs(): number;
  set(ms: number): void;
  advance(ms: number): void;
}

export interface TestController {
  readonly deps: ControllerDeps;
  readonly scheduler: Scheduler;
  readonly clock: TestClock;
  readonly workdir: string;
  /** Every job change and task push the scheduler announced, in order. */
  readonly changedJobs: Job[];
  readonly pushedBackends: string[];
  /** How many times something woke the scheduler (creates do). */
  wakes(): number;
  dispose(): void;
}

export interface TestControllerOptions {
  /** Extra controller environment (BACKENDS, <BACKEND>_MAX_WORKERS, ACTIONS_REPO_BASE, …). */
  readonly env?: Readonly<Record<string, string>>;
  /** Start time; defaults to 2025-03-01T10:05:10Z. */
  readonly nowMs?: number;
  /** Backend -> contents of WORKDIR/job-resource-weights_<backend>.ini, written before loading. */
  readonly weightFiles?: Readonly<Record<string, string>>;
}

export const DEFAULT_NOW_MS = Date.UTC(2025, 2, 1, 10, 5, 10);

function testClock(start: number): TestClock {
  let now = start;
  return {
    nowMs: () => now,
    set: (ms) => {
      now = ms;
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

export function buildTestController(options: TestControllerOptions = {}): TestController {
  const workdir = mkdtempSync(path.join(tmpdir(), "rap-deps-"));
  const config = loadControllerConfig({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    WORKDIR: workdir,
    BACKENDS: "test,tpp",
    ALLOW_LOCAL_GIT_REPOS: "true",
    // No registry is reachable here; the image digest tests turn it on with their own registry.
    RESOLVE_IMAGE_DIGESTS: "false",
    ...options.env,
  });
  for (const [backend, text] of Object.entries(options.weightFiles ?? {})) {
    writeFileSync(path.join(workdir, `job-resource-weights_${backend}.ini`), text);
  }
  const db = openDatabase(config.databasePath, { autoMigrate: true });
  const changedJobs: Job[] = [];
  const pushedBackends: string[] = [];
  const sink: ChangeSink = {
    jobChanged: (job) => changedJobs.push(job),
    tasksChanged: (backend) => pushedBackends.push(backend),
  };
  let wakes = 0;
  const clock = testClock(options.nowMs ?? DEFAULT_NOW_MS);
  const gitOptions = {
    reposDir: path.join(workdir, "repos"),
    githubProxyDomain: config.githubProxyDomain,
    privateRepoAccessToken: config.privateRepoAccessToken,
    env: config.childEnv,
  };
  const deps: ControllerDeps = {
    config,
    db,
    jobs: new JobStore(db),
    tasks: new TaskStore(db),
    flags: new FlagStore(db),
    projects: new ProjectSource({
      ...gitOptions,
      allowLocalGitRepos: config.allowLocalGitRepos,
      allowedGithubOrgs: config.allowedGithubOrgs,
    }),
    actionRepos: new ActionRepos({ ...gitOptions, base: config.actionsRepoBase }),
    clock,
    // Each call counts as a wake and is handed to the real scheduler, which runs only when the test says.
    scheduler: {
      jobsChanged: (ids) => {
        wakes++;
        scheduler.jobsChanged(ids);
      },
      backendChanged: (backend) => {
        wakes++;
        scheduler.backendChanged(backend);
      },
      wake: () => {
        wakes++;
        scheduler.wake();
      },
    },
    log: quietLogger(),
  };
  const weights = loadResourceWeights(
    workdir,
    config.backends.map((backend) => backend.slug),
  );
  const scheduler: Scheduler = new Scheduler(() => deps, sink, weightOfJobs(weights), { manual: true });
  return {
    deps,
    scheduler,
    clock,
    workdir,
    changedJobs,
    pushedBackends,
    wakes: () => wakes,
    dispose: () => {
      db.close();
      rmSync(workdir, { recursive: true, force: true });
    },
  };
}
