/** A request to create the jobs of one RAP, in domain form (the REST and Connect faces both build it). */

export interface CreateRequest {
  readonly backend: string;
  readonly rapId: string;
  readonly workspace: string;
  readonly repoUrl: string;
  readonly branch: string;
  readonly commit: string;
  readonly databaseName: string;
  readonly requestedActions: readonly string[];
  readonly codelistsOk: boolean;
  readonly forceRunDependencies: boolean;
  readonly createdBy: string;
  readonly project: string;
  readonly orgs: readonly string[];
  readonly analysisScope?: Readonly<Record<string, readonly string[]>> | undefined;
}

export const VALID_DATABASE_NAMES: readonly string[] = ["default"];
export const RUN_ALL = "run_all";
