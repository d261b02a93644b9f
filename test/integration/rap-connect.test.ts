/**
 * rap.v1.RapService, the Connect/gRPC face of the RAP API: every outcome matches what the REST
 * gateway answers for the same request (Connect unary over HTTP/1.1), and WatchJobs (gRPC over
 * HTTP/2) delivers a job's status change as it happens, with nothing polling.
 */
import { type DescMessage, fromJson, type JsonObject, type JsonValue, type MessageShape, toJson } from "@bufbuild/protobuf";
import { type Client, Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CancelJobsRequestSchema,
  CancelJobsResponseSchema,
  CreateJobsRequestSchema,
  CreateJobsResponseSchema,
  GetBackendStatusResponseSchema,
  GetJobsStatusRequestSchema,
  GetJobsStatusResponseSchema,
  JobSchema,
  RapService,
  type WatchJobsResponse,
} from "../../gen/rap/v1/rap_pb.js";
import {
  CLIENT_TOKEN,
  OTHER_CLIENT_TOKEN,
  createBody,
  rest,
  startController,
  type ControllerHarness,
} from "../support/controller-harness.js";
import { createStudyRepo, TWO_ACTION_STUDY, type StudyRepo } from "../support/study-repo.js";
import { waitFor } from "../support/wait-for.js";

const SHARED_TOKEN = "shared-token";
const STATUS_BY_CODE: Partial<Record<Code, number>> = {
  [Code.InvalidArgument]: 400,
  [Code.Unauthenticated]: 401,
  [Code.NotFound]: 404,
};

type Outcome = { readonly status: number; readonly body: JsonValue };

/** JSON without null members: proto3 JSON leaves unset optional fields out where REST sends null. */
function withoutNulls(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, item]) => item !== null)
      .map(([key, item]) => [key, withoutNulls(item)]),
  );
}

/** Waits for the stream's next message, failing after a deadline instead of hanging. */
async function nextWithin(iterator: AsyncIterator<WatchJobsResponse>, ms = 10_000): Promise<WatchJobsResponse> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no WatchJobs message within ${ms} ms`)), ms);
  });
  try {
    const result = await Promise.race([iterator.next(), deadline]);
    if (result.done) throw new Error("WatchJobs ended");
    return result.value;
  } finally {
    clearTimeout(timer);
  }
}

/** A string member of a JSON object. */
const field = (value: JsonValue, key: string): string => {
  const member = value !== null && typeof value === "object" && !Array.isArray(value) ? value[key] : undefined;
  return typeof member === "string" ? member : "";
};

const jobsJson = (message: WatchJobsResponse) => message.jobs.map((job) => toJson(JobSchema, job, { alwaysEmitImplicit: true }));

describe("RapService over Connect and gRPC", () => {
  let harness: ControllerHarness;
  let study: StudyRepo;
  let connect: Client<typeof RapService>;
  let grpc: Client<typeof RapService>;

  /** createBody's result is plain JSON data. */
  const body = (overrides: JsonObject) => createBody({ repo_url: study.path, commit: study.commit, ...overrides }) as JsonObject;

  beforeAll(async () => {
    harness = await startController({ env: { TEST_MAX_WORKERS: "1000", TPP_MAX_WORKERS: "1000" } });
    study = createStudyRepo(TWO_ACTION_STUDY);
    connect = createClient(RapService, createConnectTransport({ baseUrl: harness.url, httpVersion: "1.1" }));
    grpc = createClient(RapService, createGrpcTransport({ baseUrl: harness.url }));
  });
  afterAll(async () => harness.dispose());

  async function viaRest(path: string, request: unknown, token: string | null): Promise<Outcome> {
    const response = await rest(harness, request === undefined ? "GET" : "POST", `/controller/v1/${path}`, request, token);
    const json = response.json as JsonObject;
    return response.status >= 400
      ? { status: response.status, body: json.details ?? null }
      : { status: response.status, body: withoutNulls(json) };
  }

  async function viaConnect<I extends DescMessage, O extends DescMessage>(
    call: (request: MessageShape<I>, options: { headers: Record<string, string> }) => Promise<MessageShape<O>>,
    input: I,
    output: O,
    request: JsonValue,
    token: string | null,
  ): Promise<Outcome> {
    try {
      const response = await call(fromJson(input, request, { ignoreUnknownFields: true }), {
        headers: token === null ? {} : { authorization: token },
      });
      return { status: 200, body: withoutNulls(toJson(output, response, { alwaysEmitImplicit: true })) };
    } catch (error) {
      const connectError = ConnectError.from(error);
      return { status: STATUS_BY_CODE[connectError.code] ?? 500, body: connectError.rawMessage };
    }
  }

  const status = (request: JsonValue, token: string | null = CLIENT_TOKEN) =>
    Promise.all([
      viaRest("rap/status/", request, token),
      viaConnect((r, o) => connect.getJobsStatus(r, o), GetJobsStatusRequestSchema, GetJobsStatusResponseSchema, request, token),
    ]);
  const cancel = (request: JsonValue, token: string | null = CLIENT_TOKEN) =>
    Promise.all([
      viaRest("rap/cancel/", request, token),
      viaConnect((r, o) => connect.cancelJobs(r, o), CancelJobsRequestSchema, CancelJobsResponseSchema, request, token),
    ]);
  /** Create is not repeatable, so each face gets its own call; the caller compares. */
  const createVia = (face: "rest" | "connect", request: JsonObject, token: string | null = CLIENT_TOKEN) =>
    face === "rest"
      ? viaRest("rap/create/", request, token)
      : viaConnect((r, o) => connect.createJobs(r, o), CreateJobsRequestSchema, CreateJobsResponseSchema, request, token);

  describe("unary calls give the REST outcome", () => {
    it.each([
      ["no token", null, 401, "No token provided"],
      ["an unknown token", "nope", 401, "Invalid token"],
    ])("refuses %s", async (_name, token, code, details) => {
      const [viaRestOutcome, viaConnectOutcome] = await status({ rap_ids: [] }, token);
      expect(viaRestOutcome).toEqual({ status: code, body: details });
      expect(viaConnectOutcome).toEqual(viaRestOutcome);
    });

    it("reports backend status alike", async () => {
      const fromRest = await viaRest("backend/status/", undefined, SHARED_TOKEN);
      const response = await connect.getBackendStatus({}, { headers: { authorization: SHARED_TOKEN } });
      expect(fromRest.status).toBe(200);
      expect(withoutNulls(toJson(GetBackendStatusResponseSchema, response))).toEqual(fromRest.body);
    });

    it.each([
      [{ rap_ids: [] }, 200, { jobs: [], unrecognised_rap_ids: [] }],
      [{ rap_ids: ["unknownaaaaaaaa1"] }, 200, { jobs: [], unrecognised_rap_ids: ["unknownaaaaaaaa1"] }],
      [
        { rap_ids: ["abcdefgh23456789", "BAD"] },
        400,
        "Invalid request body received at $.rap_ids[1]: 'BAD' does not match '^[a-z0-9]{16}$'",
      ],
    ] as [JsonObject, number, JsonValue][])("answers status %j alike", async (request, code, expected) => {
      const [fromRest, fromConnect] = await status(request);
      expect(fromRest).toEqual({ status: code, body: expected });
      expect(fromConnect).toEqual(fromRest);
    });

    it("creates, repeats, refuses and cancels alike", async () => {
      const success = (rapId: string) => ({
        result: "Success",
        details: `Jobs created for rap_id '${rapId}'`,
        rap_id: rapId,
        count: 2,
      });
      expect(await createVia("rest", body({ rap_id: "connectaaaaaaaa1", workspace: "c1" }))).toEqual({
        status: 201,
        body: success("connectaaaaaaaa1"),
      });
      expect(await createVia("connect", body({ rap_id: "connectaaaaaaaa2", workspace: "c2" }))).toEqual({
        status: 200,
        body: success("connectaaaaaaaa2"),
      });

      const cases: [JsonObject, number, JsonValue][] = [
        [
          body({ rap_id: "connectaaaaaaaa1", workspace: "c1" }),
          200,
          {
            result: "No change",
            details: "Jobs already created for rap_id 'connectaaaaaaaa1'",
            rap_id: "connectaaaaaaaa1",
            count: 2,
          },
        ],
        [
          body({ rap_id: "connectaaaaaaaa2", workspace: "c2" }),
          200,
          {
            result: "No change",
            details: "Jobs already created for rap_id 'connectaaaaaaaa2'",
            rap_id: "connectaaaaaaaa2",
            count: 2,
          },
        ],
        [
          body({ rap_id: "connectaaaaaaaa1", workspace: "other" }),
          400,
          "Jobs already created for rap_id 'connectaaaaaaaa1' are inconsistent with request data",
        ],
        [body({ rap_id: "connectaaaaaaaa3", backend: "tpp" }), 400, "Unknown error"],
        [
          body({ rap_id: "connectaaaaaaaa3", requested_actions: [] }),
          400,
          "Invalid request body received at $.requested_actions: [] should be non-empty",
        ],
        [
          body({ rap_id: "connectaaaaaaaa3", commit: "HEAD" }),
          400,
          "Invalid request body received at $.commit: 'HEAD' does not match '^[0-9a-f]{40}$'",
        ],
        [
          body({ rap_id: "connectaaaaaaaa3", database_name: "" }),
          400,
          "Invalid request body received at $.database_name: '' is not one of ['default']",
        ],
        [body({ rap_id: "connectaaaaaaaa3", requested_actions: ["nope"] }), 400, "Action 'nope' not found in project.yaml"],
        [
          body({ rap_id: "connectaaaaaaaa3", analysis_scope: { dataset_permissions: ["nope"] } }),
          400,
          "Invalid request body received at $.analysis_scope.dataset_permissions[0]: 'nope' is not one of ['appointments', 'icnarc', 'isaric', 'open_prompt', 'ukrr', 'waiting_list', 'sgss_covid_all_tests', 'occupation_on_covid_vaccine_record', 'covid_therapeutics']",
        ],
      ];
      for (const [request, code, expected] of cases) {
        const fromRest = await createVia("rest", request);
        expect(fromRest, JSON.stringify(request)).toEqual({ status: code, body: expected });
        expect(await createVia("connect", request), JSON.stringify(request)).toEqual({
          status: code === 201 ? 200 : code,
          body: expected,
        });
      }

      const [jobsViaRest, jobsViaConnect] = await status({ rap_ids: ["connectaaaaaaaa1", "connectaaaaaaaa2"] });
      expect(jobsViaRest.status).toBe(200);
      expect((jobsViaRest.body as { jobs: unknown[] }).jobs).toHaveLength(4);
      expect(jobsViaConnect).toEqual(jobsViaRest);

      const cancels: [JsonObject, number, JsonValue][] = [
        [
          { rap_id: "connectaaaaaaaa1", actions: ["summarise"] },
          200,
          { result: "Success", details: "1 actions cancelled", count: 1 },
        ],
        [
          { rap_id: "connectaaaaaaaa1", actions: ["nope", "generate"] },
          404,
          "Jobs matching requested cancelled actions could not be found: nope",
        ],
        [{ rap_id: "unknownaaaaaaaa1", actions: ["generate"] }, 404, "No jobs found for rap_id unknownaaaaaaaa1"],
        [{ rap_id: "connectaaaaaaaa1", actions: [] }, 400, "Invalid request body received at $.actions: [] should be non-empty"],
      ];
      for (const [request, code, expected] of cancels) {
        const [fromRest, fromConnect] = await cancel(request);
        expect(fromRest, JSON.stringify(request)).toEqual({ status: code, body: expected });
        expect(fromConnect, JSON.stringify(request)).toEqual(fromRest);
      }
      const [otherRest, otherConnect] = await cancel({ rap_id: "connectaaaaaaaa1", actions: ["generate"] }, OTHER_CLIENT_TOKEN);
      expect(otherRest).toEqual({ status: 404, body: "No jobs found for rap_id connectaaaaaaaa1" });
      expect(otherConnect).toEqual(otherRest);
    });
  });

  describe("WatchJobs", () => {
    it("sends the current state, then a status change as it happens, and stops when the client cancels", async () => {
      const rapId = "watchaaaaaaaaaa1";
      expect((await rest(harness, "POST", "/controller/v1/rap/create/", body({ rap_id: rapId, workspace: "w1" }))).status).toBe(
        201,
      );
      const stop = new AbortController();
      const watch = grpc.watchJobs(
        { rapIds: [rapId, "unknownaaaaaaaa2"] },
        { headers: { authorization: CLIENT_TOKEN }, signal: stop.signal },
      );
      const iterator = watch[Symbol.asyncIterator]();

      const first = await nextWithin(iterator);
      // The first message is the state at subscription; the scheduler may since have moved a job, so
      // compare only what cannot change before an agent or a cancel acts.
      expect(first.unrecognisedRapIds).toEqual(["unknownaaaaaaaa2"]);
      expect(first.jobs.map((job) => [job.action, job.rapId, job.backend]).sort()).toEqual([
        ["generate", rapId, "test"],
        ["summarise", rapId, "test"],
      ]);

      expect(
        (await rest(harness, "POST", "/controller/v1/rap/cancel/", { rap_id: rapId, actions: ["generate", "summarise"] })).status,
      ).toBe(200);
      const seen = new Map<string, JsonValue>();
      while (![...seen.values()].every((job) => field(job, "status_code") === "cancelled_by_user") || seen.size < 2) {
        const message = await nextWithin(iterator);
        expect(message.unrecognisedRapIds).toEqual([]);
        for (const job of jobsJson(message)) seen.set(field(job, "identifier"), job);
      }
      // What the stream delivered is exactly what rap/status now reports.
      const [after] = await status({ rap_ids: [rapId] });
      const byAction = (a: JsonValue, b: JsonValue) => field(a, "action").localeCompare(field(b, "action"));
      expect([...seen.values()].map(withoutNulls).sort(byAction)).toEqual(
        [...(after.body as { jobs: JsonValue[] }).jobs].sort(byAction),
      );

      expect(harness.app.jobEvents.watcherCount).toBe(1);
      stop.abort();
      await expect(iterator.next()).rejects.toMatchObject({ code: Code.Canceled });
      await waitFor(() => harness.app.jobEvents.watcherCount === 0, { message: "the server to drop the watcher" });
    });

    it("delivers jobs created after the watch began, and only on the token's backends", async () => {
      const testRap = "watchaaaaaaaaaa2";
      const tppRap = "watchaaaaaaaaaa3";
      const stop = new AbortController();
      // The tpp-only token watches both; the test-backend RAP must never reach it.
      const watch = grpc.watchJobs(
        { rapIds: [testRap, tppRap] },
        { headers: { authorization: OTHER_CLIENT_TOKEN }, signal: stop.signal },
      );
      const iterator = watch[Symbol.asyncIterator]();
      const first = await nextWithin(iterator);
      expect([first.jobs, first.unrecognisedRapIds]).toEqual([[], [testRap, tppRap]]);

      expect((await rest(harness, "POST", "/controller/v1/rap/create/", body({ rap_id: testRap, workspace: "w2" }))).status).toBe(
        201,
      );
      await waitFor(async () => {
        const [now] = await status({ rap_ids: [testRap] });
        return (now.body as { jobs: JsonObject[] }).jobs.every((job) => job.status_code !== "created");
      });
      expect(
        (
          await rest(
            harness,
            "POST",
            "/controller/v1/rap/create/",
            body({ rap_id: tppRap, workspace: "w3", backend: "tpp" }),
            SHARED_TOKEN,
          )
        ).status,
      ).toBe(201);

      const message = await nextWithin(iterator);
      expect(message.jobs.map((job) => [job.rapId, job.backend])).toEqual(message.jobs.map(() => [tppRap, "tpp"]));
      expect(message.jobs.length).toBeGreaterThan(0);
      stop.abort();
      await waitFor(() => harness.app.jobEvents.watcherCount === 0, { message: "the server to drop the watcher" });
    });

    it.each([
      [
        CLIENT_TOKEN,
        ["BAD"],
        Code.InvalidArgument,
        "Invalid request body received at $.rap_ids[0]: 'BAD' does not match '^[a-z0-9]{16}$'",
      ],
      [null, [], Code.Unauthenticated, "No token provided"],
      ["nope", [], Code.Unauthenticated, "Invalid token"],
    ] as [string | null, string[], Code, string][])("refuses token %s with ids %j", async (token, rapIds, code, message) => {
      const watch = grpc.watchJobs({ rapIds }, { headers: token === null ? {} : { authorization: token } });
      const iterator = watch[Symbol.asyncIterator]();
      await expect(iterator.next()).rejects.toMatchObject({ code, rawMessage: message });
    });

    it("ends open watches cleanly when the controller stops", async () => {
      const local = await startController();
      try {
        const client = createClient(RapService, createGrpcTransport({ baseUrl: local.url }));
        const iterator = client.watchJobs({ rapIds: [] }, { headers: { authorization: CLIENT_TOKEN } })[Symbol.asyncIterator]();
        expect((await nextWithin(iterator)).jobs).toEqual([]);
        const ended = iterator.next();
        await local.stop();
        expect(await ended).toEqual({ done: true, value: undefined });
      } finally {
        await local.dispose();
      }
    });
  });
});
