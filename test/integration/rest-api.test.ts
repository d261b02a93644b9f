/**
 * The RAP REST API as job-server meets it: real HTTP/1.1 to a real controller, raw tokens, and every
 * status code and body compared exactly (as raw text wherever the bytes matter). No agent runs, so
 * jobs stay pending or initiated unless a test moves them through the real stores.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobId } from "../../controller/jobs/ids.js";
import type { Job } from "../../controller/jobs/job.js";
import { API_SPEC } from "../../controller/rest/api-spec.js";
import {
  CLIENT_TOKEN,
  OTHER_CLIENT_TOKEN,
  createBody,
  startController,
  type ControllerHarness,
} from "../support/controller-harness.js";
import { rawRequest, type RawResponse } from "../support/raw-http.js";
import { createStudyRepo, TWO_ACTION_STUDY, type StudyRepo } from "../support/study-repo.js";
import { taskResults } from "../support/job-factory.js";
import { waitFor } from "../support/wait-for.js";

const SHARED_TOKEN = "shared-token";
const UNPARSEABLE = '{"error": "Validation error", "details": "could not parse JSON from request body"}';
const NO_TOKEN = '{"error": "Unauthorized", "details": "No token provided"}';
const BAD_TOKEN = '{"error": "Unauthorized", "details": "Invalid token"}';
const OPAQUE = '{"error": "Error creating jobs", "details": "Unknown error"}';

const DB_STUDY = {
  "project.yaml": [
    'version: "5.0"',
    "actions:",
    "  extract:",
    "    run: ehrql:v1 generate-dataset analysis/dataset_definition.py --output output/dataset.csv.gz",
    "    outputs:",
    "      highly_sensitive:",
    "        dataset: output/dataset.csv.gz",
    "",
  ].join("\n"),
  "analysis/dataset_definition.py": "# not run in these tests\n",
};

/** Whole-second UTC as upstream renders job times. */
const iso = (seconds: number | null) =>
  seconds === null ? "null" : `"${new Date(seconds * 1000).toISOString().replace(".000Z", "Z")}"`;

/** One job exactly as upstream's json.dumps renders it, from the stored row. */
function jobText(job: Job, metrics = "{}"): string {
  const traceparent = job.traceContext.traceparent ?? "";
  return (
    `{"identifier": "${job.id}", "rap_id": "${job.rapId}", "backend": "${job.backend}", "action": "${job.action}", ` +
    `"run_command": "${job.runCommand}", "status": "${job.state}", "status_code": "${job.statusCode}", ` +
    `"status_message": "${job.statusMessage}", "created_at": ${iso(job.createdAt)}, "updated_at": ${iso(job.updatedAt)}, ` +
    `"started_at": ${iso(job.startedAt)}, "completed_at": ${iso(job.completedAt)}, ` +
    `"trace_context": {"traceparent": "${traceparent}"}, "metrics": ${metrics}, "requires_db": ${String(job.requiresDb)}}`
  );
}

describe("RAP REST API over HTTP/1.1", () => {
  let harness: ControllerHarness;
  let study: StudyRepo;
  let dbStudy: StudyRepo;
  /** Every response this file received, checked at the end for 5xx and non-JSON errors. */
  const responses: { path: string; response: RawResponse }[] = [];

  async function call(
    method: string,
    path: string,
    options: { body?: unknown; token?: string | null; chunked?: boolean; contentType?: string } = {},
  ) {
    const token = options.token === undefined ? CLIENT_TOKEN : options.token;
    const body =
      options.body === undefined || typeof options.body === "string" || Buffer.isBuffer(options.body)
        ? options.body
        : JSON.stringify(options.body);
    const response = await rawRequest(harness.url, method, path, {
      body,
      chunked: options.chunked,
      headers: { ...(token === null ? {} : { authorization: token }), "content-type": options.contentType ?? "application/json" },
    });
    responses.push({ path, response });
    return response;
  }

  const post = (path: string, body: unknown, token?: string | null) => call("POST", `/controller/v1/${path}`, { body, token });
  const create = (overrides: Record<string, unknown>, token?: string) =>
    post("rap/create/", createBody({ repo_url: study.path, commit: study.commit, ...overrides }), token);
  const stored = (rapId: string, action: string) => harness.app.deps.jobs.get(jobId(rapId, action))!;

  beforeAll(async () => {
    // Enough workers that every job this file creates can start (no agent ever finishes one).
    harness = await startController({ env: { TEST_MAX_WORKERS: "1000", TPP_MAX_WORKERS: "1000" } });
    study = createStudyRepo(TWO_ACTION_STUDY);
    dbStudy = createStudyRepo(DB_STUDY);
  });
  afterAll(async () => harness.dispose());

  describe("routes", () => {
    it.each(["GET", "POST", "DELETE"])("answers the health check for %s with the method", async (method) => {
      const response = await call(method, "/", { token: null });
      expect([response.status, response.headers["content-type"], response.text]).toEqual([
        200,
        "application/json",
        `{"method": "${method}"}`,
      ]);
    });

    it.each([
      "/controller/v1/nope/",
      "/controller/v1/constructor",
      "/controller/v1/__proto__/",
      "/controller/v1/spec.json/",
      "/controller/v2/rap/status/",
      "/rap/status/",
    ])("answers the unknown path %s with a JSON 404", async (path) => {
      const response = await call("GET", path);
      expect([response.status, response.headers["content-type"], response.text]).toEqual([
        404,
        "application/json",
        `{"error": "Not found", "details": "No such path: ${path}"}`,
      ]);
    });

    it.each([
      ["GET", "/controller/v1/backend/status", "/controller/v1/backend/status/"],
      ["POST", "/controller/v1/rap/create", "/controller/v1/rap/create/"],
      ["POST", "/controller/v1/rap/status?x=1", "/controller/v1/rap/status/?x=1"],
      ["GET", "/controller/v1/docs", "/controller/v1/docs/"],
    ])("redirects %s %s to the slashed path, as Django's APPEND_SLASH does", async (method, path, location) => {
      const response = await call(method, path, { body: method === "POST" ? { rap_ids: [] } : undefined });
      expect([response.status, response.headers.location, response.text]).toEqual([301, location, ""]);
    });

    it.each(["GET", "POST", "PUT"])("serves spec.json for %s without a token", async (method) => {
      const response = await call(method, "/controller/v1/spec.json", { token: null });
      expect([response.status, response.headers["content-type"]]).toEqual([200, "application/json"]);
      expect(JSON.parse(response.text)).toEqual(API_SPEC);
    });

    it("serves a self-contained docs page listing every operation", async () => {
      const response = await call("GET", "/controller/v1/docs/", { token: null });
      expect([response.status, response.headers["content-type"]]).toEqual([200, "text/html; charset=utf-8"]);
      for (const path of ["backend/status/", "rap/create/", "rap/cancel/", "rap/status/", "spec.json", "docs/"]) {
        expect(response.text).toContain(`<code>/controller/v1/${path}</code>`);
      }
      expect(response.text).not.toMatch(/<script|https?:\/\/(?!github\.com)/);
    });
  });

  describe("method, then token, then body, then schema", () => {
    const endpoints = [
      { path: "backend/status/", allow: "GET", wrong: ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"] },
      { path: "rap/create/", allow: "POST", wrong: ["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"] },
      { path: "rap/cancel/", allow: "POST", wrong: ["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"] },
      { path: "rap/status/", allow: "POST", wrong: ["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"] },
    ];
    const wrongMethods = endpoints.flatMap(({ path, allow, wrong }) => wrong.map((method) => ({ path, allow, method })));

    it.each(wrongMethods)(
      "$method $path: 405, Allow: $allow, empty body, before any token check",
      async ({ path, allow, method }) => {
        const response = await call(method, `/controller/v1/${path}`, { token: null, body: "not json" });
        expect([response.status, response.headers.allow, response.headers["content-type"], response.text]).toEqual([
          405,
          allow,
          "text/html; charset=utf-8",
          "",
        ]);
      },
    );

    const tokens = endpoints.flatMap(({ path, allow }) =>
      [
        { token: null, text: NO_TOKEN },
        { token: "", text: NO_TOKEN },
        { token: "   ", text: NO_TOKEN },
        { token: "wrong", text: BAD_TOKEN },
        { token: `${CLIENT_TOKEN}x`, text: BAD_TOKEN },
        { token: "Bearer wrong", text: BAD_TOKEN },
        { token: "Token client-token-test", text: BAD_TOKEN },
      ].map((entry) => ({ path, method: allow, ...entry })),
    );

    it.each(tokens)("$method $path with token $token: 401 before the body is read", async ({ path, method, token, text }) => {
      const response = await call(method, `/controller/v1/${path}`, { token, body: method === "POST" ? "not json" : undefined });
      expect([response.status, response.headers["content-type"], response.text]).toEqual([401, "application/json", text]);
    });

    it("accepts `Bearer <token>` as well as the raw token", async () => {
      const response = await post("rap/status/", { rap_ids: [] }, `Bearer ${CLIENT_TOKEN}`);
      expect([response.status, response.text]).toEqual([200, '{"jobs": [], "unrecognised_rap_ids": []}']);
    });

    const unparseable: [string, string | Buffer][] = [
      ["empty", ""],
      ["not JSON", "rap_ids=abc"],
      ["Python literal", "{'rap_ids': []}"],
      ["trailing comma", '{"rap_ids": [],}'],
      ["trailing data", '{"rap_ids": []} {}'],
      ["byte-order mark", Buffer.from([0xef, 0xbb, 0xbf, ...Buffer.from('{"rap_ids": []}')])],
      ["Latin-1", Buffer.from('{"rap_ids": ["caf\xe9"]}', "latin1")],
      ["UTF-16", Buffer.from('{"rap_ids": []}', "utf16le")],
      ["encoded surrogate", Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22])],
      ["raw control character", '{"rap_ids": ["\u0001"]}'],
      ["nested 100 000 deep", `{"rap_ids": ${"[".repeat(100_000)}${"]".repeat(100_000)}}`],
    ];
    const parseCases = ["rap/create/", "rap/cancel/", "rap/status/"].flatMap((path) =>
      unparseable.map(([name, body]) => ({ path, name, body })),
    );

    it.each(parseCases)("POST $path with a body that is $name: upstream's parse error", async ({ path, body }) => {
      const response = await call("POST", `/controller/v1/${path}`, { body, contentType: "text/plain" });
      expect([response.status, response.headers["content-type"], response.text]).toEqual([400, "application/json", UNPARSEABLE]);
    });

    const schemaCases: [string, unknown, string][] = [
      ["rap/create/", [], "Invalid request body received: [] is not of type 'object'"],
      ["rap/create/", { rap_id: "abcdefgh23456789" }, "Invalid request body received: 'backend' is a required property"],
      [
        "rap/create/",
        { ...createBody({ repo_url: "x", commit: "x" }), analysis_scope: null },
        "Invalid request body received at $.commit: 'x' does not match '^[0-9a-f]{40}$'",
      ],
      [
        "rap/cancel/",
        { rap_id: "ABC", actions: [] },
        "Invalid request body received at $.rap_id: 'ABC' does not match '^[a-z0-9]{16}$'",
      ],
      [
        "rap/cancel/",
        { rap_id: "abcdefgh23456789", actions: [] },
        "Invalid request body received at $.actions: [] should be non-empty",
      ],
      ["rap/status/", {}, "Invalid request body received: 'rap_ids' is a required property"],
      [
        "rap/status/",
        { rap_ids: "abcdefgh23456789" },
        "Invalid request body received at $.rap_ids: 'abcdefgh23456789' is not of type 'array'",
      ],
      [
        "rap/status/",
        { rap_ids: ["abcdefgh23456789", 7, "x"] },
        "Invalid request body received at $.rap_ids[2]: 'x' does not match '^[a-z0-9]{16}$'",
      ],
      ["rap/status/", '{"rap_ids": [1.0]}', "Invalid request body received at $.rap_ids[0]: 1.0 is not of type 'string'"],
      ["rap/status/", '{"rap_ids": NaN}', "Invalid request body received at $.rap_ids: nan is not of type 'array'"],
      [
        "rap/status/",
        '{"rap_ids": {"b": 1, "2": null}}',
        "Invalid request body received at $.rap_ids: {'b': 1, '2': None} is not of type 'array'",
      ],
    ];

    it.each(schemaCases.map(([path, body, details]) => ({ path, body, details })))(
      "POST $path: $details",
      async ({ path, body, details }) => {
        const response = await post(path, body);
        expect([response.status, response.headers["content-type"], response.text]).toEqual([
          400,
          "application/json",
          `{"error": "Validation error", "details": ${JSON.stringify(details)}}`,
        ]);
      },
    );
  });

  describe("backend/status/", () => {
    const quiet = (slug: string) =>
      `{"slug":"${slug}","last_seen":null,"paused":{"status":"off","since":null},"db_maintenance":{"status":"off","since":null,"type":null}}`;

    it("lists only the token's backends, in BACKENDS order, as compact JSON", async () => {
      expect((await call("GET", "/controller/v1/backend/status/")).text).toBe(`{"backends":[${quiet("test")}]}`);
      expect((await call("GET", "/controller/v1/backend/status/", { token: OTHER_CLIENT_TOKEN })).text).toBe(
        `{"backends":[${quiet("tpp")}]}`,
      );
      const shared = await call("GET", "/controller/v1/backend/status/?ignored=1", { token: SHARED_TOKEN });
      expect([shared.status, shared.headers["content-type"], shared.text]).toEqual([
        200,
        "application/json",
        `{"backends":[${quiet("test")},${quiet("tpp")}]}`,
      ]);
    });

    it("reports flags with their microsecond timestamps", async () => {
      const flags = harness.app.deps.flags;
      const status = async () => (await call("GET", "/controller/v1/backend/status/", { token: OTHER_CLIENT_TOKEN })).text;
      flags.set("tpp", "last-seen-at", "2025-08-12T11:30:45.123456+00:00", 1754998245.123456);
      flags.set("tpp", "paused", "true", 1754998000.5);
      flags.set("tpp", "mode", "db-maintenance", 1754990000);
      expect(await status()).toBe(
        '{"backends":[{"slug":"tpp","last_seen":"2025-08-12T11:30:45.123456Z","paused":{"status":"on","since":"2025-08-12T11:26:40.500000Z"},' +
          '"db_maintenance":{"status":"on","since":"2025-08-12T09:13:20Z","type":"scheduled"}}]}',
      );
      flags.set("tpp", "manual-db-maintenance", "on", 1754990000);
      // Only exactly "true" shows as paused (the scheduler also treats "True" as paused: upstream's quirk, kept).
      flags.set("tpp", "paused", "True", 1754999000);
      expect(await status()).toBe(
        '{"backends":[{"slug":"tpp","last_seen":"2025-08-12T11:30:45.123456Z","paused":{"status":"off","since":"2025-08-12T11:43:20Z"},' +
          '"db_maintenance":{"status":"on","since":"2025-08-12T09:13:20Z","type":"manual"}}]}',
      );
      flags.set("tpp", "mode", null, 1755000000);
      flags.set("tpp", "paused", null, 1755000000);
      expect(await status()).toBe(
        '{"backends":[{"slug":"tpp","last_seen":"2025-08-12T11:30:45.123456Z","paused":{"status":"off","since":"2025-08-12T12:00:00Z"},' +
          '"db_maintenance":{"status":"off","since":"2025-08-12T12:00:00Z","type":null}}]}',
      );
    });
  });

  describe("rap/create/", () => {
    it("creates the requested action and its dependency, then answers repeats with No change", async () => {
      const rapId = "createaaaaaaaaa1";
      const first = await create({ rap_id: rapId, workspace: "create-1" });
      expect([first.status, first.text]).toEqual([
        201,
        `{"result": "Success", "details": "Jobs created for rap_id '${rapId}'", "rap_id": "${rapId}", "count": 2}`,
      ]);
      const again = await create({
        rap_id: rapId,
        workspace: "create-1",
        requested_actions: ["generate"],
        created_by: "someone-else",
      });
      expect([again.status, again.text]).toEqual([
        200,
        `{"result": "No change", "details": "Jobs already created for rap_id '${rapId}'", "rap_id": "${rapId}", "count": 2}`,
      ]);
    });

    it("refuses a repeated rap_id with another repository, workspace or commit", async () => {
      const rapId = "createaaaaaaaaa2";
      expect((await create({ rap_id: rapId, workspace: "create-2" })).status).toBe(201);
      const inconsistent = `{"error": "Inconsistent request data", "details": "Jobs already created for rap_id '${rapId}' are inconsistent with request data"}`;
      for (const overrides of [
        { workspace: "create-2b" },
        { commit: "0".repeat(40), workspace: "create-2" },
        { repo_url: "/elsewhere", workspace: "create-2" },
      ]) {
        const response = await create({ rap_id: rapId, ...overrides });
        expect([response.status, response.text]).toEqual([400, inconsistent]);
      }
    });

    it("answers Nothing to do when every requested action is already scheduled, or has succeeded", async () => {
      expect((await create({ rap_id: "createaaaaaaaaa3", workspace: "create-3" })).status).toBe(201);
      const scheduled = await create({ rap_id: "createaaaaaaaaa4", workspace: "create-3" });
      expect([scheduled.status, scheduled.text]).toEqual([
        200,
        '{"result": "Nothing to do", "details": "All requested actions were already scheduled to run", "rap_id": "createaaaaaaaaa4", "count": 0}',
      ]);
      // Mark both jobs succeeded through the real store, as a finished run would.
      const deps = harness.app.deps;
      for (const action of ["generate", "summarise"]) {
        const job = stored("createaaaaaaaaa3", action);
        const done: Job = {
          ...job,
          state: "succeeded",
          statusCode: "succeeded",
          statusMessage: "Completed successfully",
          completedAt: job.createdAt,
        };
        expect(deps.jobs.compareAndSwap(job, done)).toBe(true);
      }
      const runAll = await create({ rap_id: "createaaaaaaaaa5", workspace: "create-3", requested_actions: ["run_all"] });
      expect([runAll.status, runAll.text]).toEqual([
        200,
        '{"result": "Nothing to do", "details": "All actions have already completed successfully", "rap_id": "createaaaaaaaaa5", "count": 0}',
      ]);
    });

    it("refuses, opaquely, a backend the token may not use", async () => {
      for (const backend of ["tpp", "nope", ""]) {
        const response = await create({ rap_id: "createaaaaaaaaa6", backend });
        expect([response.status, response.text]).toEqual([400, OPAQUE]);
      }
      // The same backend is fine for a token that has it.
      expect((await create({ rap_id: "createaaaaaaaaa6", backend: "tpp", workspace: "create-6" }, SHARED_TOKEN)).status).toBe(
        201,
      );
    });

    it.each([
      [{ requested_actions: ["nope"] }, "Action 'nope' not found in project.yaml"],
      [{ workspace: "bad workspace!" }, "Invalid workspace name (allowed are alphanumeric, dash and underscore)"],
      [
        { repo_url: "https://github.com/not-allowed/study" },
        "Repository https://github.com/not-allowed/study does not belong to one of the following Github organisations: opensafely opensafely-actions",
      ],
      [
        { repo_url: "https://example.com/opensafely/study" },
        "Repository URL https://example.com/opensafely/study does not start with https://github.com",
      ],
      [
        { codelists_ok: false, requested_actions: ["extract"], db: true },
        "Codelists are out of date (required by action extract)",
      ],
    ] as [Record<string, unknown>, string][])("passes user-actionable errors through: %j", async (overrides, details) => {
      const { db, ...rest } = overrides;
      const repo = db ? dbStudy : study;
      const response = await create({
        rap_id: "createaaaaaaaaa7",
        workspace: "create-7",
        repo_url: repo.path,
        commit: repo.commit,
        ...rest,
      });
      expect([response.status, response.text]).toEqual([
        400,
        `{"error": "Error creating jobs", "details": ${JSON.stringify(details)}}`,
      ]);
      const status = await post("rap/status/", { rap_ids: ["createaaaaaaaaa7"] });
      expect(status.text).toBe('{"jobs": [], "unrecognised_rap_ids": ["createaaaaaaaaa7"]}');
    });

    it("ignores unknown fields and accepts an empty analysis_scope", async () => {
      const response = await create({
        rap_id: "createaaaaaaaaa8",
        workspace: "create-8",
        analysis_scope: {},
        surprise: { nested: [1, 2.5, null] },
        ["__proto__"]: { polluted: true },
      });
      expect(response.status).toBe(201);
    });

    it("refuses analysis_scope: null with upstream's message", async () => {
      const response = await create({ rap_id: "createaaaaaaaaa9", analysis_scope: null });
      expect([response.status, response.text]).toEqual([
        400,
        `{"error": "Validation error", "details": "Invalid request body received at $.analysis_scope: None is not of type 'object'"}`,
      ]);
    });
  });

  describe("rap/status/", () => {
    it("answers an empty list with both keys", async () => {
      const response = await post("rap/status/", { rap_ids: [] });
      expect([response.status, response.headers["content-type"], response.text]).toEqual([
        200,
        "application/json",
        '{"jobs": [], "unrecognised_rap_ids": []}',
      ]);
    });

    it("reports exactly upstream's fifteen keys per job, and unknown ids once each", async () => {
      const rapId = "statusaaaaaaaaa1";
      expect((await create({ rap_id: rapId, workspace: "status-1" })).status).toBe(201);
      // Without an agent the scheduler settles the jobs at initiated / waiting_on_dependencies.
      await waitFor(
        () =>
          stored(rapId, "generate").statusCode === "initiated" &&
          stored(rapId, "summarise").statusCode === "waiting_on_dependencies",
        {
          message: "jobs to settle",
        },
      );
      // Compared with the stored rows; retried if the scheduler wrote between the reads.
      const { response, generate, summarise } = await waitFor(async () => {
        const before = [stored(rapId, "generate"), stored(rapId, "summarise")];
        const response = await post("rap/status/", { rap_ids: [rapId, "unknownaaaaaaaa1", rapId, "unknownaaaaaaaa1"] });
        const [generate, summarise] = [stored(rapId, "generate"), stored(rapId, "summarise")];
        return JSON.stringify(before) === JSON.stringify([generate, summarise]) && { response, generate, summarise };
      });
      expect(generate).toMatchObject({
        state: "running",
        statusMessage: "Job executing on the backend",
        runCommand: "python:v2 analysis/generate.sh",
      });
      expect(generate.startedAt).not.toBeNull();
      expect(summarise).toMatchObject({ state: "pending", statusMessage: "Waiting on dependencies", startedAt: null });
      expect([response.status, response.text]).toEqual([
        200,
        `{"jobs": [${jobText(generate)}, ${jobText(summarise)}], "unrecognised_rap_ids": ["unknownaaaaaaaa1"]}`,
      ]);
    });

    it("shows metrics from the agent's results", async () => {
      const rapId = "statusaaaaaaaaa2";
      expect((await create({ rap_id: rapId, workspace: "status-2", requested_actions: ["generate"] })).status).toBe(201);
      await waitFor(() => harness.app.deps.tasks.forJob(jobId(rapId, "generate"), "runjob").at(-1), { message: "a RUNJOB task" });
      const task = harness.app.deps.tasks.forJob(jobId(rapId, "generate"), "runjob").at(-1)!;
      const jobMetrics = {
        cpu_sample: 50,
        cpu_cumsum: 300.25,
        cpu_mean: 42.5,
        cpu_peak: 99.5,
        mem_mb_sample: 10,
        mem_mb_cumsum: 60,
        mem_mb_mean: 8.5,
        mem_mb_peak: 12,
        container_id: "abc",
      };
      harness.app.deps.tasks.recordReport(
        {
          taskId: task.id,
          seq: 1,
          stage: "executing",
          complete: false,
          timestampNs: null,
          result: { ...taskResults(), jobMetrics },
        },
        Date.now() / 1000,
      );
      const response = await post("rap/status/", { rap_ids: [rapId] });
      expect(response.text).toContain(
        '"metrics": {"cpu_sample": 50, "cpu_cumsum": 300.25, "cpu_mean": 42.5, "cpu_peak": 99.5, "mem_mb_sample": 10, ' +
          '"mem_mb_cumsum": 60, "mem_mb_mean": 8.5, "mem_mb_peak": 12, "container_id": "abc"}, "requires_db": false}',
      );
    });

    it("shows only jobs on the token's backends; others are unrecognised", async () => {
      const rapId = "statusaaaaaaaaa3";
      expect((await create({ rap_id: rapId, workspace: "status-3" })).status).toBe(201);
      const other = await post("rap/status/", { rap_ids: [rapId] }, OTHER_CLIENT_TOKEN);
      expect([other.status, other.text]).toEqual([200, `{"jobs": [], "unrecognised_rap_ids": ["${rapId}"]}`]);
      const shared = JSON.parse((await post("rap/status/", { rap_ids: [rapId] }, SHARED_TOKEN)).text) as { jobs: unknown[] };
      expect(shared.jobs).toHaveLength(2);
    });
  });

  describe("rap/cancel/", () => {
    it("cancels the named actions and reports the count as sent", async () => {
      const rapId = "cancelaaaaaaaaa1";
      expect((await create({ rap_id: rapId, workspace: "cancel-1" })).status).toBe(201);
      const response = await post("rap/cancel/", { rap_id: rapId, actions: ["generate", "summarise", "generate"] });
      expect([response.status, response.text]).toEqual([
        200,
        '{"result": "Success", "details": "3 actions cancelled", "count": 3}',
      ]);
      const cancelled = await waitFor(
        () =>
          ["generate", "summarise"].every((action) => stored(rapId, action).statusCode === "cancelled_by_user") &&
          stored(rapId, "generate"),
        { message: "jobs cancelled" },
      );
      expect(cancelled).toMatchObject({ state: "failed", statusMessage: "Cancelled by user", cancelled: true });
    });

    it("answers 404 when the RAP has no jobs the token can see", async () => {
      const rapId = "cancelaaaaaaaaa2";
      const missing = `{"error": "jobs not found", "details": "No jobs found for rap_id ${rapId}", "rap_id": "${rapId}"}`;
      let response = await post("rap/cancel/", { rap_id: rapId, actions: ["generate"] });
      expect([response.status, response.text]).toEqual([404, missing]);
      expect((await create({ rap_id: rapId, workspace: "cancel-2" })).status).toBe(201);
      response = await post("rap/cancel/", { rap_id: rapId, actions: ["generate"] }, OTHER_CLIENT_TOKEN);
      expect([response.status, response.text]).toEqual([404, missing]);
      expect(stored(rapId, "generate").cancelled).toBe(false);
    });

    it("answers 404 listing the actions without jobs, sorted, and cancels nothing", async () => {
      const rapId = "cancelaaaaaaaaa3";
      expect((await create({ rap_id: rapId, workspace: "cancel-3", requested_actions: ["generate"] })).status).toBe(201);
      const response = await post("rap/cancel/", { rap_id: rapId, actions: ["zeta", "generate", "alpha", "zeta", "summarise"] });
      expect([response.status, response.text]).toEqual([
        404,
        `{"error": "jobs not found", "details": "Jobs matching requested cancelled actions could not be found: alpha,summarise,zeta", "rap_id": "${rapId}", "not_found": ["alpha", "summarise", "zeta"]}`,
      ]);
      expect(stored(rapId, "generate").cancelled).toBe(false);
    });
  });

  describe("hostile input", () => {
    it.each([false, true])("refuses a body of several MB with a JSON 400 (chunked: %s)", async (chunked) => {
      const body = JSON.stringify({ rap_ids: Array.from({ length: 200_000 }, () => "abcdefgh23456789") });
      expect(body.length).toBeGreaterThan(3_000_000);
      const response = await call("POST", "/controller/v1/rap/status/", { body, chunked });
      expect([response.status, response.headers["content-type"], response.text]).toEqual([
        400,
        "application/json",
        '{"error": "Validation error", "details": "Request body is larger than 2621440 bytes"}',
      ]);
    });

    it("answers a status request for 100 000 ids (more than SQLite binds at once)", async () => {
      const ids = Array.from({ length: 100_000 }, (_, index) => index.toString(36).padStart(16, "0"));
      const response = await post("rap/status/", { rap_ids: ids });
      expect(response.status).toBe(200);
      expect(JSON.parse(response.text)).toEqual({ jobs: [], unrecognised_rap_ids: ids });
    });

    it("cancels with 100 000 repeats of one action", async () => {
      const rapId = "hostileaaaaaaaa1";
      expect((await create({ rap_id: rapId, workspace: "hostile-1", requested_actions: ["generate"] })).status).toBe(201);
      const response = await post("rap/cancel/", { rap_id: rapId, actions: Array.from({ length: 100_000 }, () => "generate") });
      expect([response.status, response.text]).toEqual([
        200,
        '{"result": "Success", "details": "100000 actions cancelled", "count": 100000}',
      ]);
    });

    it("reports wrong types in upstream's words", async () => {
      const response = await create({
        rap_id: "hostileaaaaaaaa2",
        codelists_ok: "yes",
        requested_actions: "generate",
        orgs: [1],
      });
      expect(response.text).toBe(
        `{"error": "Validation error", "details": "Invalid request body received at $.requested_actions: 'generate' is not of type 'array'"}`,
      );
    });

    it("left no partial jobs behind and never answered 5xx or with HTML errors", () => {
      const created = ["createaaaaaaaaa1", "createaaaaaaaaa2", "createaaaaaaaaa3", "createaaaaaaaaa6", "createaaaaaaaaa8"].concat(
        [
          "statusaaaaaaaaa1",
          "statusaaaaaaaaa2",
          "statusaaaaaaaaa3",
          "cancelaaaaaaaaa1",
          "cancelaaaaaaaaa2",
          "cancelaaaaaaaaa3",
          "hostileaaaaaaaa1",
        ],
      );
      const rapIds = new Set(harness.app.deps.jobs.list({ limit: 10_000 }).map((job) => job.rapId));
      expect([...rapIds].sort()).toEqual(created.sort());
      for (const { path, response } of responses) {
        expect(response.status, path).toBeLessThan(500);
        if (response.status >= 400 && response.status !== 405)
          expect(response.headers["content-type"], path).toBe("application/json");
      }
    });
  });
});
