/**
 * The RAP API's request body schemas, as upstream's openapi.yaml components define them. The field
 * rules themselves (patterns, enums) come from the domain (rap/request-rules.ts), which the Connect
 * face checks on typed requests; here they are wrapped with the JSON types and required members.
 */
import {
  API_DATABASE_NAMES,
  COMMIT_PATTERN,
  COMPONENT_ACCESS,
  DATASET_PERMISSIONS,
  POPULATION_PERMISSIONS,
  RAP_ID_PATTERN,
  WORKSPACE_PATTERN,
} from "../rap/request-rules.js";
import type { Schema } from "./json-schema.js";

const RAP_ID: Schema = { type: "string", pattern: RAP_ID_PATTERN };

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
    workspace: { type: "string", pattern: WORKSPACE_PATTERN },
    repo_url: { type: "string" },
    branch: { type: "string" },
    commit: { type: "string", pattern: COMMIT_PATTERN },
    database_name: { type: "string", enum: [...API_DATABASE_NAMES] },
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
        dataset_permissions: { type: "array", items: { type: "string", enum: [...DATASET_PERMISSIONS] } },
        population_permissions: {
          type: "array",
          items: { type: "string", enum: [...POPULATION_PERMISSIONS] },
        },
        component_access: { type: "array", items: { type: "string", enum: [...COMPONENT_ACCESS] } },
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
