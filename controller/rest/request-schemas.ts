/** The RAP API's request body schemas, as upstream's openapi.yaml components define them. */
import type { Schema } from "./json-schema.js";

const RAP_ID: Schema = { type: "string", pattern: "^[a-z0-9]{16}$" };

const DATASET_PERMISSIONS = [
  "appointments",
  "icnarc",
  "isaric",
  "open_prompt",
  "ukrr",
  "waiting_list",
  "sgss_covid_all_tests",
  "occupation_on_covid_vaccine_record",
  "covid_therapeutics",
];

export const CREATE_REQUEST_SCHEMA: Schema = {
  type: "object",
  required: [
    "backend",
    "rap_id",
    "workspace",
    "repo_url",
    "branch",
    "commit",
    "database_name",
    "requested_actions",
    "codelists_ok",
    "force_run_dependencies",
    "created_by",
    "project",
    "orgs",
  ],
  properties: {
    backend: { type: "string" },
    rap_id: RAP_ID,
    // Unanchored in upstream's schema, so any string containing one allowed character passes here;
    // job creation applies the strict rule.
    workspace: { type: "string", pattern: "[a-zA-Z0-9_-]+" },
    repo_url: { type: "string" },
    branch: { type: "string" },
    commit: { type: "string", pattern: "^[0-9a-f]{40}$" },
    database_name: { type: "string", enum: ["default"] },
    requested_actions: { type: "array", items: { type: "string" }, minItems: 1 },
    codelists_ok: { type: "boolean" },
    force_run_dependencies: { type: "boolean" },
    created_by: { type: "string" },
    project: { type: "string" },
    orgs: { type: "array", items: { type: "string" } },
    // Upstream's spec says nullable, but `nullable` is not JSON Schema, so null is rejected; kept.
    analysis_scope: {
      type: "object",
      properties: {
        dataset_permissions: { type: "array", items: { type: "string", enum: DATASET_PERMISSIONS } },
        population_permissions: {
          type: "array",
          items: { type: "string", enum: ["include_ndoo", "include_t1oo", "include_gp_unactivated"] },
        },
        component_access: { type: "array", items: { type: "string", enum: ["event_level_data"] } },
      },
    },
  },
};

export const CANCEL_REQUEST_SCHEMA: Schema = {
  type: "object",
  required: ["rap_id", "actions"],
  properties: {
    rap_id: RAP_ID,
    actions: { type: "array", items: { type: "string" }, minItems: 1 },
  },
};

export const STATUS_REQUEST_SCHEMA: Schema = {
  type: "object",
  required: ["rap_ids"],
  properties: {
    rap_ids: { type: "array", items: RAP_ID },
  },
};
