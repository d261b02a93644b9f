/** Everything the controller's handlers need, built once in main and passed down explicitly. */
import type { Database } from "better-sqlite3";
import type { ControllerConfig } from "./config.js";
import type { ActionRepos } from "./git/action-repos.js";
import type { ProjectSource } from "./git/project-source.js";
import type { Logger } from "./logger.js";
import type { FlagStore } from "./store/flag-store.js";
import type { JobStore } from "./store/job-store.js";
import type { TaskStore } from "./store/task-store.js";
import type { TelemetryHooks } from "./telemetry/telemetry-hooks.js";

export interface Clock {
  nowMs(): number;
}

/** Wakes the scheduler; it runs soon after, once, however many wakes arrive meanwhile. */
export interface SchedulerHandle {
  wake(): void;
}

export interface ControllerDeps {
  readonly config: ControllerConfig;
  readonly db: Database;
  readonly jobs: JobStore;
  readonly tasks: TaskStore;
  readonly flags: FlagStore;
  readonly projects: ProjectSource;
  /** Reusable-action repositories (ACTIONS_REPO_BASE). */
  readonly actionRepos: ActionRepos;
  readonly clock: Clock;
  readonly scheduler: SchedulerHandle;
  readonly log: Logger;
  /** Metrics, traces and job history; absent in unit tests. */
  readonly telemetry?: TelemetryHooks;
}
