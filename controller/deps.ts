/** Everything the controller's handlers need, built once in main and passed down explicitly. */
import type { Database } from "better-sqlite3";
import type { ControllerConfig } from "./config.js";
import type { ActionRepos } from "./git/action-repos.js";
import type { ProjectSource } from "./git/project-source.js";
import type { Logger } from "./logger.js";
import type { ImageDigests } from "./images/image-digests.js";
import type { FlagStore } from "./store/flag-store.js";
import type { JobStore } from "./store/job-store.js";
import type { TaskStore } from "./store/task-store.js";
import type { TelemetryHooks } from "./telemetry/telemetry-hooks.js";

export interface Clock {
  nowMs(): number;
}

/**
 * Tells the scheduler what changed; it runs soon after, once, however many calls arrive meanwhile,
 * and examines only what it was told about.
 */
export interface SchedulerHandle {
  /** Jobs were created, cancelled, updated by their agent or otherwise changed. */
  jobsChanged(ids: Iterable<string>): void;
  /** A backend's flags (paused, mode) changed: every active job of it is examined. */
  backendChanged(backend: string): void;
  /** Something changed that the caller cannot name: every active job is examined (slow; rare). */
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
  /** Image tag -> digest from the registry; absent when RESOLVE_IMAGE_DIGESTS is off (agents run tags). */
  readonly imageDigests?: ImageDigests | undefined;
}
