/** A schema-valid rap/create JSON body as a domain CreateRequest. */
import type { CreateRequest } from "../jobs/create-request.js";

export function createRequestFromJson(body: Record<string, unknown>): CreateRequest {
  const scope = body.analysis_scope as Record<string, unknown> | undefined;
  return {
    backend: body.backend as string,
    rapId: body.rap_id as string,
    workspace: body.workspace as string,
    repoUrl: body.repo_url as string,
    branch: body.branch as string,
    commit: body.commit as string,
    databaseName: body.database_name as string,
    requestedActions: body.requested_actions as string[],
    codelistsOk: body.codelists_ok as boolean,
    forceRunDependencies: body.force_run_dependencies as boolean,
    createdBy: body.created_by as string,
    project: body.project as string,
    orgs: body.orgs as string[],
    analysisScope:
      scope === undefined
        ? undefined
        : Object.fromEntries(Object.entries(scope).filter((entry): entry is [string, string[]] => Array.isArray(entry[1]))),
  };
}
