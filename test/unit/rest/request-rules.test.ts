/**
 * The Connect face's typed field rules (rap/request-rules.ts) refuse exactly what the REST face's
 * schema check refuses for the same request, with the same words; and the Connect rendering of an
 * unexpected failure keeps its cause.
 */
import { ConnectError, Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import type { CreateRequest } from "../../../controller/jobs/create-request.js";
import { cancelRequestProblem, createRequestProblem, statusRequestProblem } from "../../../controller/rap/request-rules.js";
import { parseBody } from "../../../controller/rest/request-body.js";
import { CANCEL_REQUEST_SCHEMA, CREATE_REQUEST_SCHEMA, STATUS_REQUEST_SCHEMA } from "../../../controller/rest/request-schemas.js";
import { createOutcome, invalidRequest } from "../../../controller/rpc/rap-outcomes.js";

const VALID: CreateRequest = {
  backend: "test",
  rapId: "abcdefgh23456789",
  workspace: "w",
  repoUrl: "https://github.com/opensafely/x",
  branch: "main",
  commit: "a".repeat(40),
  databaseName: "default",
  requestedActions: ["run_all"],
  codelistsOk: true,
  forceRunDependencies: false,
  createdBy: "u",
  project: "p",
  orgs: [],
  analysisScope: { dataset_permissions: ["icnarc"] },
};

function asJson(request: CreateRequest): Record<string, unknown> {
  return {
    backend: request.backend,
    rap_id: request.rapId,
    workspace: request.workspace,
    repo_url: request.repoUrl,
    branch: request.branch,
    commit: request.commit,
    database_name: request.databaseName,
    requested_actions: request.requestedActions,
    codelists_ok: request.codelistsOk,
    force_run_dependencies: request.forceRunDependencies,
    created_by: request.createdBy,
    project: request.project,
    orgs: request.orgs,
    analysis_scope: request.analysisScope,
  };
}

/** The REST face's refusal text for a JSON body, or undefined when it passes. */
function restDetails(schema: Parameters<typeof parseBody>[0], body: unknown): string | undefined {
  const checked = parseBody(schema, new TextEncoder().encode(JSON.stringify(body)));
  return checked.ok ? undefined : String(checked.response.body.details);
}

const connectDetails = (problem: ReturnType<typeof createRequestProblem>) =>
  problem ? invalidRequest(problem).rawMessage : undefined;

describe("typed request rules agree with the REST schema", () => {
  it.each<[string, Partial<CreateRequest>]>([
    ["valid", {}],
    ["rap id", { rapId: "BAD" }],
    ["empty rap id", { rapId: "" }],
    ["rap id with a newline", { rapId: "abcdefgh23456789\n" }],
    ["workspace", { workspace: "!!!" }],
    ["commit", { commit: "abc" }],
    ["database", { databaseName: "full" }],
    ["no actions", { requestedActions: [] }],
    ["dataset permission", { analysisScope: { dataset_permissions: ["icnarc", "nope"] } }],
    ["population permission", { analysisScope: { population_permissions: ["x"] } }],
    ["component access", { analysisScope: { component_access: ["y"] } }],
  ])("create: %s", (_name, change) => {
    const request = { ...VALID, ...change };
    expect(connectDetails(createRequestProblem(request))).toBe(restDetails(CREATE_REQUEST_SCHEMA, asJson(request)));
  });

  it("create: the message is upstream's", () => {
    expect(connectDetails(createRequestProblem({ ...VALID, rapId: "BAD" }))).toBe(
      "Invalid request body received at $.rap_id: 'BAD' does not match '^[a-z0-9]{16}$'",
    );
  });

  it.each<[string, string, string[]]>([
    ["valid", "abcdefgh23456789", ["a"]],
    ["rap id", "x", ["a"]],
    ["no actions", "abcdefgh23456789", []],
  ])("cancel: %s", (_name, rapId, actions) => {
    expect(connectDetails(cancelRequestProblem(rapId, actions))).toBe(
      restDetails(CANCEL_REQUEST_SCHEMA, { rap_id: rapId, actions }),
    );
  });

  it.each<[string, string[]]>([
    ["valid", ["abcdefgh23456789"]],
    ["none", []],
    ["second bad", ["abcdefgh23456789", "BAD"]],
  ])("status: %s", (_name, rapIds) => {
    expect(connectDetails(statusRequestProblem(rapIds))).toBe(restDetails(STATUS_REQUEST_SCHEMA, { rap_ids: rapIds }));
  });
});

describe("Connect outcomes", () => {
  it("an unexpected failure is Internal, opaque to the client, and keeps its cause", () => {
    const cause = new Error("disk I/O error");
    let thrown: unknown;
    try {
      createOutcome("abcdefgh23456789", { kind: "unexpected_error", error: cause });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConnectError);
    expect((thrown as ConnectError).code).toBe(Code.Internal);
    expect((thrown as ConnectError).rawMessage).toBe("Unknown error");
    expect((thrown as ConnectError).cause).toBe(cause);
  });
});
