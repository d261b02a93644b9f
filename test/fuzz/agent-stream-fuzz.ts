/**
 * A property-based fuzzer of the agent stream (fast-check), the controller's other door: each case
 * opens AgentService.Connect with some token and sends a generated sequence of messages — Hellos
 * for this or another backend or none at all, task updates for a live task or an unknown one with
 * any sequence number, any stage number (in range or not), completions with and without results,
 * heartbeats with any clock, declines of any task — or a gRPC frame of random bytes. After each case
 * the invariants hold: the stream ended with one of the refusals an agent can meet (never Internal
 * or Unknown), the controller still answers /healthz, the backend has no session left behind, and
 * every job is in a state the status rules allow. Used by the bounded suite test and by
 * `npm run fuzz -- --agent-stream`.
 */
import http2 from "node:http2";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import fc from "fast-check";
import { AgentService, type ConnectRequest, ConnectRequestSchema } from "../../gen/agent/v1/agent_pb.js";

export interface AgentFuzzTarget {
  readonly url: string;
  readonly agentToken: string;
  readonly backend: string;
  /** Ids of the backend's active tasks now (the fuzzer makes a job when there is none). */
  readonly activeTaskIds: () => Promise<readonly string[]>;
  /** Every job's state and status code, for the state invariant. */
  readonly jobStates: () => readonly { readonly id: string; readonly state: string; readonly statusCode: string }[];
  /** Whether the backend still has an agent session registered. */
  readonly hasSession: () => boolean;
}

export interface AgentFuzzReport {
  readonly cases: number;
  /** How each stream ended: "ok" or a Connect code name. */
  readonly endings: Record<string, number>;
  readonly violations: string[];
}

/** How an agent's stream may end when it misbehaves: a refusal, never a server fault. */
const ALLOWED_ENDINGS = new Set<string>([
  "ok",
  "unparsable",
  Code[Code.InvalidArgument],
  Code[Code.Unauthenticated],
  Code[Code.PermissionDenied],
  Code[Code.FailedPrecondition],
  Code[Code.AlreadyExists],
  Code[Code.ResourceExhausted],
  Code[Code.Unavailable],
]);

const STATES = new Set(["pending", "running", "failed", "succeeded"]);

type MessageInit = MessageInitShape<typeof ConnectRequestSchema>;
/** A message to send, built once the case knows which task is live. */
interface Step {
  readonly build: (liveTaskId: string) => MessageInit;
  /** What was generated, for the violation report. */
  readonly shown: unknown;
}

const taskIdArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant("<live>") },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9]{16}-[a-z0-9-]{1,20}$/) },
);
const pick = (id: string, live: string) => (id === "<live>" ? live : id);

/** Any uint64 (what the wire can carry), weighted towards the small numbers a real stream uses. */
const seqArb = fc.oneof(
  { weight: 3, arbitrary: fc.bigInt({ min: 0n, max: 6n }) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) },
  { weight: 1, arbitrary: fc.constant(2n ** 53n + 1n) },
);

const resultArb = fc.option(
  fc.record({
    outcome: fc.integer({ min: -1, max: 6 }),
    exitCode: fc.option(fc.integer(), { nil: undefined }),
    statusMessage: fc.string({ maxLength: 200 }),
    hasUnmatchedPatterns: fc.boolean(),
    hasLevel4ExcludedFiles: fc.boolean(),
    error: fc.option(
      fc.record({ type: fc.string({ maxLength: 30 }), message: fc.string({ maxLength: 200 }), permanent: fc.boolean() }),
      { nil: undefined },
    ),
    databaseStatus: fc.string({ maxLength: 20 }),
  }),
  { nil: undefined },
);

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc
    .record({
      backend: fc.oneof(fc.constant("<own>"), fc.constant("tpp"), fc.string({ maxLength: 20 })),
      agentId: fc.string({ maxLength: 40 }),
      inFlight: fc.array(taskIdArb, { maxLength: 3 }),
    })
    .map((hello): Step => ({
      shown: { hello },
      build: (live: string): MessageInit => ({
        message: {
          case: "hello",
          value: {
            backend: hello.backend,
            agentId: hello.agentId,
            version: "fuzz",
            driver: "docker",
            inFlight: hello.inFlight.map((id) => pick(id, live)),
          },
        },
      }),
    })),
  fc
    .record({
      taskId: taskIdArb,
      seq: seqArb,
      stage: fc.integer({ min: -2, max: 12 }),
      complete: fc.boolean(),
      result: resultArb,
    })
    .map((update): Step => ({
      shown: { update },
      build: (live: string): MessageInit => ({
        message: {
          case: "taskUpdate",
          value: {
            taskId: pick(update.taskId, live),
            seq: update.seq,
            stage: update.stage,
            complete: update.complete,
            ...(update.result ? { result: update.result } : {}),
          },
        },
      }),
    })),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((sentAtUnixMs): Step => ({
    shown: { heartbeat: sentAtUnixMs },
    build: (): MessageInit => ({ message: { case: "heartbeat", value: { sentAtUnixMs } } }),
  })),
  taskIdArb.map((taskId): Step => ({
    shown: { declined: taskId },
    build: (live: string): MessageInit => ({ message: { case: "taskDeclined", value: { taskId: pick(taskId, live) } } }),
  })),
);

const caseArb = fc.record({
  token: fc.oneof(
    { weight: 6, arbitrary: fc.constant("<valid>") },
    { weight: 1, arbitrary: fc.constant("<none>") },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
  ),
  /** A well-formed Hello first, so that most cases reach the messages after it. */
  validHelloFirst: fc.boolean(),
  steps: fc.array(stepArb, { minLength: 0, maxLength: 8 }),
  /** One case in eight sends a frame of random bytes instead. */
  garbage: fc.oneof(
    { weight: 7, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 0, maxLength: 64 }) },
  ),
});

type AgentClient = ReturnType<typeof createClient<typeof AgentService>>;

type FuzzCase = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

async function* requestsOf(messages: readonly MessageInit[]): AsyncGenerator<ConnectRequest> {
  for (const message of messages) {
    // One message a turn, as a real agent's stream sends them.
    await new Promise((resolve) => setImmediate(resolve));
    yield create(ConnectRequestSchema, message);
  }
}

/** Sends the case on one stream, reads to the end, and says how it ended. */
async function runStream(client: AgentClient, target: AgentFuzzTarget, fuzzCase: FuzzCase, live: string): Promise<string> {
  const messages: MessageInit[] = [];
  if (fuzzCase.validHelloFirst) {
    messages.push({
      message: { case: "hello", value: { backend: target.backend, agentId: "fuzz-agent", version: "fuzz", driver: "docker" } },
    });
  }
  for (const step of fuzzCase.steps) {
    const message = step.build(live);
    if (message.message?.case === "hello" && message.message.value.backend === "<own>")
      message.message.value.backend = target.backend;
    messages.push(message);
  }
  const token = fuzzCase.token === "<valid>" ? target.agentToken : fuzzCase.token;
  try {
    const responses = client.connect(requestsOf(messages), {
      headers: fuzzCase.token === "<none>" ? {} : { authorization: token },
      // A generous bound: a stream the controller keeps open after the agent has said all it will
      // (its request side is closed) is itself a violation, reported as DeadlineExceeded.
      timeoutMs: 20_000,
    });
    for await (const response of responses) void response;
    return "ok";
  } catch (error) {
    return Code[ConnectError.from(error).code];
  }
}

/** A gRPC frame whose payload is random bytes, over a raw HTTP/2 request; returns the grpc-status name. */
async function runGarbage(target: AgentFuzzTarget, payload: Uint8Array): Promise<string> {
  const session = http2.connect(target.url);
  try {
    return await new Promise<string>((resolve, reject) => {
      session.on("error", reject);
      const stream = session.request({
        ":method": "POST",
        ":path": `/${AgentService.typeName}/Connect`,
        "content-type": "application/grpc",
        te: "trailers",
        authorization: target.agentToken,
      });
      let status: string | undefined;
      let message = "";
      const take = (headers: http2.IncomingHttpHeaders) => {
        const value = headers["grpc-status"];
        if (typeof value === "string") status = value;
        const text = headers["grpc-message"];
        if (typeof text === "string") message = decodeURIComponent(text);
      };
      stream.on("response", take);
      stream.on("trailers", take);
      stream.on("data", () => undefined);
      stream.on("error", reject);
      stream.on("close", () => {
        if (status === undefined) return resolve("no grpc-status");
        const code = Code[Number(status)] ?? `grpc-status ${status}`;
        // gRPC's convention for a request message that cannot be parsed is INTERNAL; that, and only
        // with the parser's own message, is a refusal rather than a fault of ours.
        const unparsable = code === Code[Code.Internal] && /parse|deserializ|premature|invalid wire|decode/i.test(message);
        resolve(unparsable ? "unparsable" : code === Code[Code.Internal] ? `Internal (${message})` : code);
      });
      const frame = Buffer.alloc(5 + payload.length);
      frame.writeUInt8(0, 0);
      frame.writeUInt32BE(payload.length, 1);
      Buffer.from(payload).copy(frame, 5);
      stream.end(frame);
    });
  } finally {
    session.close();
  }
}

async function controllerAnswers(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/healthz`)).status === 200;
  } catch {
    return false;
  }
}

async function sessionGone(target: AgentFuzzTarget): Promise<boolean> {
  // The controller unregisters a session when its handler returns, a turn or two after the stream ends.
  for (let attempt = 0; attempt < 200 && target.hasSession(); attempt++) await new Promise((resolve) => setImmediate(resolve));
  return !target.hasSession();
}

export async function fuzzAgentStream(
  target: AgentFuzzTarget,
  options: { readonly runs: number; readonly seed?: number },
): Promise<AgentFuzzReport> {
  const endings: Record<string, number> = {};
  const violations: string[] = [];
  let cases = 0;
  // One connection for every stream of the run, closed at the end (a connection per case would run
  // the process out of file descriptors on a long run).
  const sessionManager = new Http2SessionManager(target.url);
  const client = createClient(AgentService, createGrpcTransport({ baseUrl: target.url, acceptCompression: [], sessionManager }));
  const samples = fc.sample(caseArb, { numRuns: options.runs, ...(options.seed === undefined ? {} : { seed: options.seed }) });
  for (const fuzzCase of samples) {
    cases++;
    const live = (await target.activeTaskIds())[0] ?? "no-live-task";
    const ending = fuzzCase.garbage
      ? await runGarbage(target, fuzzCase.garbage)
      : await runStream(client, target, fuzzCase, live);
    endings[ending] = (endings[ending] ?? 0) + 1;
    const describe = () =>
      JSON.stringify(fuzzCase, (_key, value: unknown) => (typeof value === "bigint" ? String(value) : value));
    if (!ALLOWED_ENDINGS.has(ending)) violations.push(`case ${cases}: stream ended ${ending}: ${describe()}`);
    if (!(await controllerAnswers(target.url))) violations.push(`case ${cases}: /healthz did not answer after ${describe()}`);
    if (!(await sessionGone(target))) violations.push(`case ${cases}: a session was left registered after ${describe()}`);
    for (const job of target.jobStates()) {
      if (!STATES.has(job.state)) violations.push(`case ${cases}: job ${job.id} in state '${job.state}'`);
    }
  }
  sessionManager.abort();
  return { cases, endings, violations };
}
