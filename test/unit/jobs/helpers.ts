/**
 * Shared pieces of the job-creation scenario tests (reference/jobrunner.md §9, T36-T48): upstream's
 * TEST_PROJECT, a request builder with upstream's make_create_request defaults, and a create call
 * that commits the project.yaml to a real local study repo first.
 */
import type { CreateRequest } from "../../../controller/jobs/create-request.js";
import { randomId } from "../../../controller/jobs/ids.js";
import type { Job } from "../../../controller/jobs/job.js";
import { createJobs, type CreateResult } from "../../../controller/rap/create-jobs.js";
import type { TestController } from "../../support/controller-deps.js";
import { createStudyRepo, type StudyRepo } from "../../support/study-repo.js";

/** Upstream's tests/controller/test_create_or_update_jobs.py TEST_PROJECT. */
export const TEST_PROJECT = `
version: '1.0'
actions:
  generate_dataset:
    run: ehrql:v1 generate-dataset analysis/dataset_definition.py --output output.csv.gz
    outputs:
      highly_sensitive:
        cohort: output.csv.gz

  prepare_data_1:
    run: stata-mp:latest analysis/prepare_data_1.do
    needs: [generate_dataset]
    outputs:
      highly_sensitive:
        data: prepared_1.dta

  prepare_data_2:
    run: stata-mp:latest analysis/prepare_data_2.do
    needs: [generate_dataset]
    outputs:
      highly_sensitive:
        data: prepared_2.dta

  analyse_data:
    run: stata-mp:latest analysis/analyse_data.do
    needs: [prepare_data_1, prepare_data_2]
    outputs:
      moderately_sensitive:
        analysis: analysis.txt
`;

/** A request like upstream's make_create_request: fresh rap id, workspace "1", backend "test". */
export function makeRequest(repo: StudyRepo, overrides: Partial<CreateRequest> = {}): CreateRequest {
  return {
    backend: "test",
    rapId: randomId(),
    workspace: "1",
    repoUrl: repo.path,
    branch: "main",
    commit: repo.commit,
    databaseName: "default",
    requestedActions: ["generate_dataset"],
    codelistsOk: true,
    forceRunDependencies: false,
    createdBy: "testuser",
    project: "project",
    orgs: ["org1", "org2"],
    analysisScope: {},
    ...overrides,
  };
}

/**
 * A study repo whose project.yaml can be swapped: `create` commits `project` (if it changed) and
 * runs the real createJobs against that commit, allowing every configured backend.
 */
export class Study {
  readonly repo: StudyRepo;
  private project: string;
  private commit: string;

  constructor(project: string = TEST_PROJECT) {
    this.repo = createStudyRepo({ "project.yaml": project });
    this.project = project;
    this.commit = this.repo.commit;
  }

  async create(tc: TestController, overrides: Partial<CreateRequest> = {}, project?: string): Promise<CreateResult> {
    if (project !== undefined && project !== this.project) {
      this.commit = this.repo.commitFiles({ "project.yaml": project });
      this.project = project;
    }
    const request = makeRequest(this.repo, { commit: this.commit, ...overrides });
    return createJobs(
      tc.deps,
      tc.deps.config.backends.map((backend) => backend.slug),
      request,
    );
  }
}

/** Every stored job for an action (any rap), oldest first. */
export function jobsFor(tc: TestController, action: string, backend?: string): Job[] {
  return tc.deps.jobs
    .list({ limit: 10_000, ...(backend === undefined ? {} : { backend }) })
    .filter((job) => job.action === action)
    .reverse();
}

/** The only stored job for an action (fails the test if there is not exactly one). */
export function onlyJob(tc: TestController, action: string, backend?: string): Job {
  const jobs = jobsFor(tc, action, backend);
  if (jobs.length !== 1) throw new Error(`expected one job for ${action}, found ${jobs.length}`);
  return jobs[0]!;
}

/** The created jobs of a result (fails the test on any other outcome). */
export function createdJobs(result: CreateResult): readonly Job[] {
  if (result.kind !== "created") throw new Error(`expected created, got ${JSON.stringify(result)}`);
  return result.jobs;
}
