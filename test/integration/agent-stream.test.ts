/**
 * The agent stream without containers: tasks are pushed (never polled for), tokens are checked,
 * and a second agent for the same backend is held off. A raw Connect client stands in for the
 * agent so the test sees exactly what crosses the wire.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  AgentService,
  type ConnectRequest,
  ConnectRequestSchema,
  type ConnectResponse,
  OutputPrivacy,
  TaskType,
} from "../../gen/agent/v1/agent_pb.js";
import { jobId } from "../../controller/jobs/ids.js";
import { AGENT_TOKEN, createBody, rest, startController, type ControllerHarness } from "../support/controller-harness.js";
import { createStudyRepo, TWO_ACTION_STUDY, type StudyRepo } from "../support/study-repo.js";

const RAP_ID = "abcdefgh23456789";

/** Opens the stream, sends Hello, then sends nothing more until closed. */
function openStream(url: string, token: string | undefined, hello: { backend: string; agentId: string }) {
  const client = createClient(AgentService, createGrpcTransport({ baseUrl: url, acceptCompression: [] }));
  const closed = new AbortController();
  async function* requests(): AsyncGenerator<ConnectRequest> {
    yield create(ConnectRequestSchema, { message: { case: "hello", value: { ...hello, version: "test", driver: "none" } } });
    await new Promise<void>((resolve) => closed.signal.addEventListener("abort", () => resolve(), { once: true }));
  }
  const responses = client.connect(requests(), {
    headers: token === undefined ? {} : { authorization: token },
    signal: closed.signal,
  });
  const iterator = responses[Symbol.asyncIterator]();
  return {
    next: async (): Promise<ConnectResponse> => {
      const result = await iterator.next();
      if (result.done) throw new Error("stream ended");
      return result.value;
    },
    close: () => closed.abort(),
  };
}

async function expectRefused(stream: ReturnType<typeof openStream>, code: Code, message: string): Promise<void> {
  const error = await stream.next().then(
    () => undefined,
    (caught: unknown) => ConnectError.from(caught),
  );
  stream.close();
  expect(error?.code).toBe(code);
  expect(error?.rawMessage).toBe(message);
}

describe("agent stream", () => {
  let controller: ControllerHarness;
  let study: StudyRepo;

  beforeEach(async () => {
    controller = await startController();
    study = createStudyRepo(TWO_ACTION_STUDY);
  });
  afterEach(async () => {
    await controller.dispose();
  });

  it("pushes a RUNJOB task to an agent that connected before the job existed", async () => {
    const stream = openStream(controller.url, AGENT_TOKEN, { backend: "test", agentId: "agent-a" });
    try {
      const welcome = await stream.next();
      expect(welcome.message.case).toBe("welcome");

      const created = await rest(
        controller,
        "POST",
        "/controller/v1/rap/create/",
        createBody({ repo_url: study.path, commit: study.commit }),
      );
      expect(created.status).toBe(201);

      // The agent has sent nothing since Hello: this task can only have been pushed.
      const pushed = await stream.next();
      expect(pushed.message.case).toBe("task");
      const task = pushed.message.case === "task" ? pushed.message.value : undefined;
      const generateId = jobId(RAP_ID, "generate");
      expect(task?.id).toBe(`${generateId}-001`);
      expect(task?.type).toBe(TaskType.RUNJOB);
      expect(task?.definition.case).toBe("job");
      const definition = task?.definition.case === "job" ? task.definition.value : undefined;
      expect(definition?.action).toBe("generate");
      expect(definition?.image).toBe("ghcr.io/opensafely-core/python:v2");
      expect(definition?.args).toEqual(["analysis/generate.sh"]);
      expect(definition?.outputSpec).toEqual({ "output/dataset.csv": OutputPrivacy.HIGHLY_SENSITIVE });
      expect(definition?.commit).toBe(study.commit);
      expect(task?.attributes).toEqual({ user: "testuser", project: "project", orgs: "org" });
    } finally {
      stream.close();
    }
  });

  it("pushes the backend's active tasks to an agent that connects after they were created", async () => {
    await rest(controller, "POST", "/controller/v1/rap/create/", createBody({ repo_url: study.path, commit: study.commit }));
    const stream = openStream(controller.url, AGENT_TOKEN, { backend: "test", agentId: "agent-a" });
    try {
      expect((await stream.next()).message.case).toBe("welcome");
      const pushed = await stream.next();
      expect(pushed.message.case === "task" ? pushed.message.value.id : undefined).toBe(`${jobId(RAP_ID, "generate")}-001`);
    } finally {
      stream.close();
    }
  });

  it("refuses a wrong agent token with Unauthenticated", async () => {
    await expectRefused(
      openStream(controller.url, "not-the-token", { backend: "test", agentId: "a" }),
      Code.Unauthenticated,
      "Invalid agent token",
    );
  });

  it("refuses a missing agent token with Unauthenticated", async () => {
    await expectRefused(
      openStream(controller.url, undefined, { backend: "test", agentId: "a" }),
      Code.Unauthenticated,
      "No token provided",
    );
  });

  it("refuses a token used for another backend's Hello with PermissionDenied", async () => {
    await expectRefused(
      openStream(controller.url, AGENT_TOKEN, { backend: "tpp", agentId: "a" }),
      Code.PermissionDenied,
      "this token is not valid for backend 'tpp'",
    );
  });

  it("holds a second agent for the same backend off with AlreadyExists while the first is connected", async () => {
    const first = openStream(controller.url, AGENT_TOKEN, { backend: "test", agentId: "agent-a" });
    try {
      expect((await first.next()).message.case).toBe("welcome");
      await expectRefused(
        openStream(controller.url, AGENT_TOKEN, { backend: "test", agentId: "agent-b" }),
        Code.AlreadyExists,
        "backend 'test' already has a connected agent (agent-a); this agent stays on standby",
      );
    } finally {
      first.close();
    }
  });

  it("answers curl over HTTP/1.1 with a raw token with upstream's 201 body", async () => {
    const body = JSON.stringify(createBody({ repo_url: study.path, commit: study.commit }));
    const { stdout } = await promisify(execFile)("curl", [
      "--silent",
      "--http1.1",
      "-X",
      "POST",
      "-H",
      "Authorization: client-token-test",
      "--data",
      body,
      "--write-out",
      "\n%{http_code} %{http_version}",
      `${controller.url}/controller/v1/rap/create/`,
    ]);
    expect(stdout).toBe(
      `{"result": "Success", "details": "Jobs created for rap_id '${RAP_ID}'", "rap_id": "${RAP_ID}", "count": 2}\n201 1.1`,
    );
  });

  it("answers an HTTP/1.1 request to the agent stream with 505 and a JSON body, after reading a large body", async () => {
    const curl = execFile("curl", [
      "--silent",
      "--show-error",
      "--http1.1",
      "-X",
      "POST",
      "-H",
      "content-type: application/grpc",
      "--data-binary",
      "@-",
      "--write-out",
      "\n%{http_code} %{http_version}",
      `${controller.url}/agent.v1.AgentService/Connect`,
    ]);
    let stdout = "";
    curl.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => curl.once("close", resolve));
    // A megabyte the server must read before it replies, or curl would see the connection reset.
    curl.stdin?.end(Buffer.alloc(1 << 20, "x"));
    expect(await exited).toBe(0);
    expect(stdout).toBe(
      '{"error": "HTTP Version Not Supported", "details": "The agent stream needs HTTP/2 (gRPC); this request came over HTTP/1.1"}\n505 1.1',
    );
  });
});
