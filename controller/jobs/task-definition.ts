/**
 * What a task asks an agent to do, as the controller builds and stores it. The agent stream's edge
 * (controller/agents/agent-convert.ts) turns it into agent.v1 messages; nothing else knows the wire shape.
 */

export const OUTPUT_PRIVACIES = ["highly_sensitive", "moderately_sensitive", "minimally_sensitive"] as const;
export type OutputPrivacy = (typeof OUTPUT_PRIVACIES)[number];

/** Everything an agent needs to run (or cancel) one job attempt: upstream's JobDefinition. */
export interface JobDefinition {
  readonly kind: "job";
  readonly id: string;
  readonly rapId: string;
  /** The task this definition was built for: `<job id>-NNN` or `<…>-cancel`. */
  readonly taskId: string;
  /** Repository to check out: the reusable action's repo, or the study repo. */
  readonly repoUrl: string;
  readonly commit: string;
  readonly study: { readonly gitRepoUrl: string; readonly commit: string; readonly branch: string };
  readonly workspace: string;
  readonly action: string;
  /** Unix seconds. */
  readonly createdAt: number;
  /** `<registry>/<name>:<tag>` */
  readonly image: string;
  readonly imageSha: string | null;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly inputJobIds: readonly string[];
  /** glob pattern -> privacy level */
  readonly outputSpec: Readonly<Record<string, OutputPrivacy>>;
  readonly allowDatabaseAccess: boolean;
  readonly level4MaxCsvRows: number;
  readonly level4MaxFilesize: number;
  readonly user: string;
  readonly databaseName: string | null;
  readonly cpuCount: string;
  readonly memoryLimit: string;
  readonly level4FileTypes: readonly string[];
  /** The job's W3C trace context, so the agent's spans join its trace (absent in older tasks). */
  readonly traceContext?: Readonly<Record<string, string>>;
}

/** A DBSTATUS or DBDATACHECK check. */
export interface DatabaseTaskDefinition {
  readonly kind: "database";
  readonly databaseName: string;
  readonly image: string;
  /** Arguments for the image; empty: upstream's command for the task type. */
  readonly args: readonly string[];
  /** DBDATACHECK only: the month the HES data must reach; "" otherwise. */
  readonly hesExpectedActivityMonth: string;
}

export type TaskDefinition = JobDefinition | DatabaseTaskDefinition;
