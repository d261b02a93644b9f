/** The controller's domain types for jobs and tasks (no protobuf, no SQL rows). */
import type { State, StatusCode } from "./status.js";
import type { TaskDefinition } from "./task-definition.js";
import type { Stage, TaskResult } from "./task-result.js";

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
  /** A JobDefinition for RUNJOB / CANCELJOB, a DatabaseTaskDefinition for DBSTATUS / DBDATACHECK. */
  readonly definition: TaskDefinition;
  readonly active: boolean;
  readonly createdAt: number;
  readonly finishedAt: number | null;
  readonly attributes: Readonly<Record<string, string>>;
  /** The last stage the agent reported; null before any report, and for database tasks. */
  readonly agentStage: Stage | null;
  readonly agentComplete: boolean;
  /** Set once the agent completes the task. */
  readonly agentResult: TaskResult | null;
  readonly agentTimestampNs: bigint | null;
  readonly lastSeq: number;
}
