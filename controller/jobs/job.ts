/** The controller's domain types for jobs and tasks (no protobuf, no SQL rows). */
import type { State, StatusCode } from "./status.js";

export interface AnalysisScope {
  readonly [key: string]: readonly string[];
}

export interface Job {
  readonly id: string;
  readonly rapId: string;
  readonly backend: string;
  readonly state: State;
  readonly statusCode: StatusCode;
  readonly statusMessage: string;
  readonly repoUrl: string;
  readonly commit: string;
  readonly branch: string;
  readonly workspace: string;
  readonly databaseName: string;
  readonly action: string;
  readonly actionRepoUrl: string | null;
  readonly actionCommit: string | null;
  readonly requiresOutputsFrom: readonly string[];
  readonly waitForJobIds: readonly string[];
  readonly runCommand: string;
  /** privacy level -> output name -> pattern, as in project.yaml. */
  readonly outputSpec: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly cancelled: boolean;
  /** Unix seconds. */
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly startedAt: number | null;
  readonly completedAt: number | null;
  readonly statusCodeUpdatedAtMs: number;
  readonly traceContext: Readonly<Record<string, string>>;
  readonly requiresDb: boolean;
  readonly user: string;
  readonly project: string;
  readonly orgs: readonly string[];
  readonly analysisScope: AnalysisScope;
}

export const TASK_TYPES = ["runjob", "canceljob", "dbstatus", "dbdatacheck"] as const;
export type TaskType = (typeof TASK_TYPES)[number];

export interface Task {
  readonly id: string;
  readonly backend: string;
  readonly type: TaskType;
  readonly jobId: string | null;
  /** Sent to the agent verbatim (upstream's JobDefinition dict for job tasks). */
  readonly definition: Readonly<Record<string, unknown>>;
  readonly active: boolean;
  readonly createdAt: number;
  readonly finishedAt: number | null;
  readonly attributes: Readonly<Record<string, string>>;
  readonly agentStage: string | null;
  readonly agentComplete: boolean;
  readonly agentResults: Readonly<Record<string, unknown>> | null;
  readonly agentTimestampNs: bigint | null;
  readonly lastSeq: number;
}
