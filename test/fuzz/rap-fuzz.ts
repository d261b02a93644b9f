/**
 * A property-based fuzzer of the RAP API (fast-check): requests with every endpoint, method, token
 * and body shape — structured create/cancel/status bodies with each field valid or replaced by a
 * wrong type, broken JSON, random bytes, odd paths and query strings — sent over raw HTTP/1.1 to a
 * real controller. After each request the invariants of the API hold: no 5xx, every error body is
 * JSON in upstream's `{"error": …, "details": …}` shape, a create either made all its jobs or none,
 * and the controller still answers. Used by the bounded suite test and by `npm run fuzz`.
 */
import fc from "fast-check";
import { rawRequest, type RawResponse } from "../support/raw-http.js";
import { CLIENT_TOKEN } from "../support/controller-harness.js";

export interface FuzzTarget {
  readonly url: string;
  /** A real study repository, so some creates succeed and create jobs. */
  readonly repo: { readonly path: string; readonly commit: string };
  /** Jobs stored for a rap_id, read from the controller's database (any rap_id, even one the API refuses). */
  readonly countJobs: (rapId: string) => number;
}

export interface FuzzReport {
  readonly requests: number;
  readonly byStatus: Record<string, number>;
  readonly violations: string[];
}

interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly token: string | undefined;
  readonly body: string | Buffer | undefined;
  readonly rapId: string | undefined;
}

const ENDPOINTS = ["backend/status/", "rap/create/", "rap/cancel/", "rap/status/"];

/** A JSON value of any type, for replacing a field. */
const anyJson = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 10 }), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);

const rapIdArb = fc.oneof(fc.stringMatching(/^[a-z0-9]{16}$/), fc.string({ maxLength: 30 }));

/** A field that is usually valid, sometimes any JSON, sometimes missing. */
function field<T>(valid: fc.Arbitrary<T>) {
  return fc.oneof(
    { weight: 6, arbitrary: valid },
    { weight: 2, arbitrary: anyJson },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

/** A body job-server could send: every field valid, so the create succeeds and makes jobs. */
function validCreate(target: FuzzTarget, rapId: string) {
  return fc.constantFrom(["generate"], ["summarise"], ["run_all"]).map((actions) => ({
    backend: "test",
    rap_id: rapId,
    workspace: "workspace",
    repo_url: target.repo.path,
    commit: target.repo.commit,
    branch: "main",
    database_name: "default",
    requested_actions: actions,
    codelists_ok: true,
    force_run_dependencies: false,
    created_by: "fuzzer",
    project: "project",
    orgs: ["org"],
  }));
}

function mutatedCreate(target: FuzzTarget, rapId: string) {
  const repoUrl = fc.oneof(
    { weight: 1, arbitrary: fc.constant(target.repo.path) },
    { weight: 12, arbitrary: fc.oneof(fc.constant("https://github.com/opensafely/x"), fc.string({ maxLength: 30 })) },
  );
  return fc.record(
    {
      backend: field(fc.constantFrom("test", "tpp", "nope")),
      rap_id: fc.constant(rapId),
      workspace: field(fc.oneof(fc.constantFrom("workspace", "ws-1"), fc.string({ maxLength: 20 }))),
      repo_url: field(repoUrl),
      commit: field(fc.oneof(fc.constant(target.repo.commit), fc.stringMatching(/^[0-9a-f]{40}$/))),
      branch: field(fc.constant("main")),
      database_name: field(fc.constantFrom("default", "include_t1oo")),
      requested_actions: field(
        fc.array(fc.oneof(fc.constantFrom("generate", "summarise", "run_all", "../evx", ".."), fc.string({ maxLength: 12 })), {
          maxLength: 3,
        }),
      ),
      codelists_ok: field(fc.boolean()),
      force_run_dependencies: field(fc.boolean()),
      created_by: field(fc.string({ maxLength: 10 })),
      project: field(fc.string({ maxLength: 10 })),
      orgs: field(fc.array(fc.string({ maxLength: 8 }), { maxLength: 2 })),
      analysis_scope: field(fc.dictionary(fc.string({ maxLength: 5 }), anyJson, { maxKeys: 2 })),
    },
    { requiredKeys: [] },
  );
}

/** Mostly broken bodies; some valid ones, and valid ones with one field replaced by any JSON. */
function createBody(target: FuzzTarget, rapId: string): fc.Arbitrary<Record<string, unknown>> {
  const valid = validCreate(target, rapId);
  const oneWrong = fc
    .tuple(valid, fc.constantFrom("backend", "workspace", "repo_url", "commit", "branch", "requested_actions", "orgs"), anyJson)
    .map(([body, key, value]) => ({ ...body, [key]: value }));
  return fc.oneof(
    { weight: 6, arbitrary: mutatedCreate(target, rapId) },
    { weight: 2, arbitrary: oneWrong },
    { weight: 1, arbitrary: valid },
  );
}

function requestArb(target: FuzzTarget): fc.Arbitrary<FuzzRequest> {
  return rapIdArb.chain((rapId) => {
    const bodyFor = (endpoint: string): fc.Arbitrary<string | Buffer | undefined> => {
      const structured =
        endpoint === "rap/create/"
          ? createBody(target, rapId)
          : endpoint === "rap/cancel/"
            ? fc.record(
                { rap_id: field(fc.constant(rapId)), actions: field(fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 })) },
                { requiredKeys: [] },
              )
            : fc.record({ rap_ids: field(fc.array(fc.constant(rapId), { maxLength: 2 })) }, { requiredKeys: [] });
      return fc.oneof(
        { weight: 8, arbitrary: structured.map((value) => JSON.stringify(value)) },
        { weight: 1, arbitrary: anyJson.map((value) => JSON.stringify(value)) },
        { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 60 }).map((bytes) => Buffer.from(bytes)) },
        { weight: 1, arbitrary: fc.constant(undefined) },
      );
    };
    return fc.constantFrom(...ENDPOINTS, "rap/create", "rap/", "", "nope/").chain((endpoint) =>
      fc.record({
        method: fc.oneof(
          { weight: 6, arbitrary: fc.constant(endpoint === "backend/status/" ? "GET" : "POST") },
          { weight: 1, arbitrary: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH") },
        ),
        path: fc.oneof(
          { weight: 8, arbitrary: fc.constant(`/controller/v1/${endpoint}`) },
          {
            weight: 1,
            arbitrary: fc.string({ maxLength: 8 }).map((query) => `/controller/v1/${endpoint}?${encodeURIComponent(query)}`),
          },
        ),
        token: fc.oneof(
          { weight: 8, arbitrary: fc.constant(CLIENT_TOKEN) },
          { weight: 1, arbitrary: fc.constantFrom(undefined, "wrong", "") },
        ),
        body: bodyFor(endpoint),
        rapId: fc.constant(rapId),
      }),
    );
  });
}

async function send(target: FuzzTarget, request: FuzzRequest): Promise<RawResponse> {
  return rawRequest(target.url, request.method, request.path, {
    ...(request.body === undefined ? {} : { body: request.body }),
    headers: {
      ...(request.token === undefined ? {} : { authorization: request.token }),
      ...(request.body === undefined ? {} : { "content-type": "application/json" }),
    },
  });
}

async function jobCount(target: FuzzTarget, rapId: string): Promise<number> {
  return Promise.resolve(target.countJobs(rapId));
}

/** What is wrong with one exchange, or undefined when every invariant holds. */
async function check(
  target: FuzzTarget,
  request: FuzzRequest,
  response: RawResponse,
  before: number,
): Promise<string | undefined> {
  const describe = `${request.method} ${request.path} -> ${response.status} ${response.text.slice(0, 200)}`;
  if (response.status >= 500) return `5xx: ${describe}`;
  // 405 keeps upstream's empty body (Django's "method not allowed", pinned by the REST table tests).
  if (response.status === 405 && response.text !== "") return `405 with a body: ${describe}`;
  if (response.status >= 400 && response.status !== 405 && request.path.startsWith("/controller/v1/")) {
    let body: unknown;
    try {
      body = JSON.parse(response.text);
    } catch {
      return `error body is not JSON: ${describe}`;
    }
    const shape = body as { error?: unknown; details?: unknown };
    if (typeof shape.error !== "string" || typeof shape.details !== "string")
      return `error body not in upstream's shape: ${describe}`;
  }
  if (request.path.startsWith("/controller/v1/rap/create/") && request.method === "POST" && request.rapId !== undefined) {
    const after = await jobCount(target, request.rapId);
    if (response.status === 201) {
      const count = (JSON.parse(response.text) as { count: number }).count;
      if (after !== count) return `create said ${count} jobs but ${after} exist: ${describe}`;
    } else if (after !== before) {
      return `a refused create changed the jobs (${before} -> ${after}): ${describe}`;
    }
  }
  return undefined;
}

/** Sends `runs` generated requests; returns counts by status and every invariant that broke. */
export async function fuzzRap(target: FuzzTarget, options: { runs: number; seed?: number }): Promise<FuzzReport> {
  const byStatus: Record<string, number> = {};
  const violations: string[] = [];
  let requests = 0;
  await fc.assert(
    fc.asyncProperty(requestArb(target), async (request) => {
      const isCreate =
        request.path.startsWith("/controller/v1/rap/create/") && request.method === "POST" && request.rapId !== undefined;
      const before = isCreate ? await jobCount(target, request.rapId) : 0;
      const response = await send(target, request);
      requests++;
      byStatus[response.status] = (byStatus[response.status] ?? 0) + 1;
      const problem = await check(target, request, response, before);
      if (problem !== undefined) violations.push(problem);
      return true;
    }),
    { numRuns: options.runs, ...(options.seed === undefined ? {} : { seed: options.seed }), endOnFailure: true },
  );
  // The controller still answers after all of it.
  const alive = await rawRequest(target.url, "GET", "/controller/v1/backend/status/", {
    headers: { authorization: CLIENT_TOKEN },
  });
  if (alive.status !== 200) violations.push(`controller no longer answers: ${alive.status}`);
  return { requests, byStatus, violations };
}

/** countJobs for an in-process controller. */
export function jobCounter(controller: { app: { deps: { db: import("better-sqlite3").Database } } }): (rapId: string) => number {
  const statement = controller.app.deps.db.prepare<[string], { n: number }>("SELECT COUNT(*) AS n FROM job WHERE rap_id = ?");
  return (rapId) => statement.get(rapId)?.n ?? 0;
}
