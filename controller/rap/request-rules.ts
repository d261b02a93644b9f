/**
 * The RAP API's field rules (upstream's openapi.yaml patterns and enums) checked on the typed
 * requests of the Connect face, where types are already guaranteed by the .proto. Each problem is
 * named by its JSON path and worded as the REST face's schema check words it, so both faces refuse a
 * request with the same message. The REST face checks raw JSON against the same rules as a schema
 * (rest/request-schemas.ts), which also covers types and missing members.
 */
import type { CreateRequest } from "../jobs/create-request.js";
import { pyRepr } from "../pipeline/python-format.js";

export interface RequestProblem {
  readonly path: string;
  readonly message: string;
}

export const RAP_ID_PATTERN = "^[a-z0-9]{16}$";
export const COMMIT_PATTERN = "^[0-9a-f]{40}$";
/** Unanchored in upstream's schema: any string with one allowed character passes; creation is stricter. */
export const WORKSPACE_PATTERN = "[a-zA-Z0-9_-]+";
export const API_DATABASE_NAMES = ["default"] as const;

export const DATASET_PERMISSIONS = [
  "appointments",
  "icnarc",
  "isaric",
  "open_prompt",
  "ukrr",
  "waiting_list",
  "sgss_covid_all_tests",
  "occupation_on_covid_vaccine_record",
  "covid_therapeutics",
] as const;
export const POPULATION_PERMISSIONS = ["include_ndoo", "include_t1oo", "include_gp_unactivated"] as const;
export const COMPONENT_ACCESS = ["event_level_data"] as const;

const SCOPE_RULES: Readonly<Record<string, readonly string[]>> = {
  dataset_permissions: DATASET_PERMISSIONS,
  population_permissions: POPULATION_PERMISSIONS,
  component_access: COMPONENT_ACCESS,
};

function pattern(path: string, value: string, rule: string): RequestProblem | undefined {
  return new RegExp(rule, "u").test(value) ? undefined : { path, message: `${pyRepr(value)} does not match ${pyRepr(rule)}` };
}

function oneOf(path: string, value: string, allowed: readonly string[]): RequestProblem | undefined {
  return allowed.includes(value) ? undefined : { path, message: `${pyRepr(value)} is not one of ${pyRepr([...allowed])}` };
}

function nonEmpty(path: string, values: readonly string[]): RequestProblem | undefined {
  return values.length > 0 ? undefined : { path, message: `${pyRepr([...values])} should be non-empty` };
}

function first(...problems: (() => RequestProblem | undefined)[]): RequestProblem | undefined {
  for (const problem of problems) {
    const found = problem();
    if (found) return found;
  }
  return undefined;
}

function rapIdsProblem(rapIds: readonly string[]): RequestProblem | undefined {
  return first(...rapIds.map((rapId, index) => () => pattern(`$.rap_ids[${index}]`, rapId, RAP_ID_PATTERN)));
}

/** The first broken rule of a create request, in the order of the request's fields. */
export function createRequestProblem(request: CreateRequest): RequestProblem | undefined {
  const scope = request.analysisScope ?? {};
  return first(
    () => pattern("$.rap_id", request.rapId, RAP_ID_PATTERN),
    () => pattern("$.workspace", request.workspace, WORKSPACE_PATTERN),
    () => pattern("$.commit", request.commit, COMMIT_PATTERN),
    () => oneOf("$.database_name", request.databaseName, API_DATABASE_NAMES),
    () => nonEmpty("$.requested_actions", request.requestedActions),
    ...Object.entries(SCOPE_RULES).flatMap(([key, allowed]) =>
      (scope[key] ?? []).map((value, index) => () => oneOf(`$.analysis_scope.${key}[${index}]`, value, allowed)),
    ),
  );
}

export function cancelRequestProblem(rapId: string, actions: readonly string[]): RequestProblem | undefined {
  return first(
    () => pattern("$.rap_id", rapId, RAP_ID_PATTERN),
    () => nonEmpty("$.actions", actions),
  );
}

export function statusRequestProblem(rapIds: readonly string[]): RequestProblem | undefined {
  return rapIdsProblem(rapIds);
}
