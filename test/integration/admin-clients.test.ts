/**
 * AdminService through two clients we did not write: the real `buf curl` binary that @bufbuild/buf
 * ships (standing in for grpcurl; it learns the API through gRPC server reflection, with no .proto
 * files), and @grpc/grpc-js with @grpc/proto-loader loading proto/admin/v1/admin.proto at runtime.
 * Also the reflection answers grpcurl's `describe` relies on, over both protocol versions.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { create, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { createAsyncIterable } from "@connectrpc/connect/protocol";
import * as grpc from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as reflectionV1 from "../../gen/grpc/reflection/v1/reflection_pb.js";
import * as reflectionV1alpha from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { ADMIN_TOKEN, rest, startController, type ControllerHarness } from "../support/controller-harness.js";

const root = path.resolve(import.meta.dirname, "../..");
const BUF = path.join(root, "node_modules/.bin/buf");
const run = promisify(execFile);

const SERVICES = [
  "admin.v1.AdminService",
  "agent.v1.AgentService",
  "grpc.reflection.v1.ServerReflection",
  "grpc.reflection.v1alpha.ServerReflection",
  "rap.v1.RapService",
];

let controller: ControllerHarness;
beforeAll(async () => {
  controller = await startController();
});
afterAll(async () => {
  await controller.dispose();
});

/** `buf curl` over gRPC (h2c); resolves with exit code, stdout and stderr. */
async function bufCurl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(BUF, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", ...args], {
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

describe("buf curl through server reflection", () => {
  it("lists our services over reflection v1 and v1alpha", async () => {
    for (const protocol of ["grpc-v1", "grpc-v1alpha"]) {
      const listed = await bufCurl("--reflect-protocol", protocol, "--list-services", controller.url);
      expect(listed.code).toBe(0);
      expect(listed.stdout.trim().split("\n").sort()).toEqual(SERVICES);
    }
  });

  it("lists every admin method", async () => {
    const listed = await bufCurl("--list-methods", controller.url);
    const admin = listed.stdout.split("\n").filter((line) => line.startsWith("admin.v1.AdminService/"));
    expect(admin.map((line) => line.split("/")[1]).sort()).toEqual([
      "AddJob",
      "CancelJob",
      "GetFlags",
      "GetJob",
      "GetRebootStatus",
      "KillJob",
      "ListAgents",
      "ListJobs",
      "PrepareForReboot",
      "SetDbMaintenance",
      "SetFlags",
      "SetPaused",
    ]);
  });

  it("calls admin RPCs with the token, messages built from reflected schemas (Timestamp included)", async () => {
    const paused = await bufCurl(
      "-H",
      `authorization: ${ADMIN_TOKEN}`,
      "-d",
      '{"backend":"tpp","paused":true}',
      `${controller.url}/admin.v1.AdminService/SetPaused`,
    );
    expect(paused.code).toBe(0);
    const flags = (JSON.parse(paused.stdout) as { flags: { backend: string; id: string; value: string; changedAt: string }[] })
      .flags;
    expect(flags).toMatchObject([{ backend: "tpp", id: "paused", value: "true" }]);
    expect(flags[0]?.changedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);

    const status = await rest(controller, "GET", "/controller/v1/backend/status/", undefined, "shared-token");
    expect(
      (status.json as { backends: { slug: string; paused: { status: string } }[] }).backends.find((b) => b.slug === "tpp")?.paused
        .status,
    ).toBe("on");

    const report = await bufCurl(
      "-H",
      `authorization: ${ADMIN_TOKEN}`,
      "-d",
      '{"backend":"tpp"}',
      `${controller.url}/admin.v1.AdminService/GetRebootStatus`,
    );
    expect(JSON.parse(report.stdout)).toEqual({
      status: {
        backend: "tpp",
        paused: true,
        ready: true,
        report:
          "\n== PREPARING FOR REBOOT ==\n1) backend 'tpp' is paused\n2) 0 job(s) are running\n\n== READY TO REBOOT ==\nSafe to reboot now\n",
      },
    });
  });

  it("gets Unauthenticated without a token and PermissionDenied with a wrong one", async () => {
    const url = `${controller.url}/admin.v1.AdminService/ListJobs`;
    const missing = await bufCurl("-d", "{}", url);
    expect(missing.code).not.toBe(0);
    expect(JSON.parse(missing.stderr)).toEqual({ code: "unauthenticated", message: "admin token required" });
    const wrong = await bufCurl("-H", "authorization: not-the-token", "-d", "{}", url);
    expect(wrong.code).not.toBe(0);
    expect(JSON.parse(wrong.stderr)).toEqual({ code: "permission_denied", message: "this token may not call AdminService" });
  });
});

describe("reflection answers (what grpcurl describe asks)", () => {
  async function ask(request: reflectionV1.ServerReflectionRequest["messageRequest"]) {
    const client = createClient(
      reflectionV1.ServerReflection,
      createGrpcTransport({ baseUrl: controller.url, acceptCompression: [] }),
    );
    const requests = createAsyncIterable([create(reflectionV1.ServerReflectionRequestSchema, { messageRequest: request })]);
    for await (const response of client.serverReflectionInfo(requests)) return response.messageResponse;
    throw new Error("no reflection response");
  }
  const fileNames = (answer: Awaited<ReturnType<typeof ask>>) =>
    answer.case === "fileDescriptorResponse"
      ? answer.value.fileDescriptorProto.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes).name)
      : [];

  it("finds the file of a method or message with its imports", async () => {
    expect(fileNames(await ask({ case: "fileContainingSymbol", value: "admin.v1.AdminService.PrepareForReboot" }))).toEqual([
      "admin/v1/admin.proto",
      "google/protobuf/timestamp.proto",
    ]);
    // The agent contract imports nothing (no google.protobuf.Struct).
    expect(fileNames(await ask({ case: "fileContainingSymbol", value: "agent.v1.DatabaseTaskDefinition" }))).toEqual([
      "agent/v1/agent.proto",
    ]);
    expect(fileNames(await ask({ case: "fileByFilename", value: "google/protobuf/timestamp.proto" }))).toEqual([
      "google/protobuf/timestamp.proto",
    ]);
  });

  it("answers NOT_FOUND for unknown symbols and extensions", async () => {
    expect(await ask({ case: "fileContainingSymbol", value: "admin.v1.Nope" })).toEqual({
      case: "errorResponse",
      value: expect.objectContaining({ errorCode: 5, errorMessage: "symbol 'admin.v1.Nope' not found" }) as unknown,
    });
    const numbers = await ask({ case: "allExtensionNumbersOfType", value: "admin.v1.Flag" });
    expect(numbers.case === "allExtensionNumbersResponse" && numbers.value.extensionNumber).toEqual([]);
    const extension = await ask({
      case: "fileContainingExtension",
      value: create(reflectionV1.ExtensionRequestSchema, { containingType: "admin.v1.Flag", extensionNumber: 100 }),
    });
    expect(extension.case === "errorResponse" && extension.value.errorCode).toBe(5);
  });

  it("serves v1alpha the same way", async () => {
    const client = createClient(
      reflectionV1alpha.ServerReflection,
      createGrpcTransport({ baseUrl: controller.url, acceptCompression: [] }),
    );
    const requests = createAsyncIterable([
      create(reflectionV1alpha.ServerReflectionRequestSchema, { messageRequest: { case: "listServices", value: "" } }),
    ]);
    for await (const response of client.serverReflectionInfo(requests)) {
      expect(
        response.messageResponse.case === "listServicesResponse" &&
          response.messageResponse.value.service.map((s) => s.name).sort(),
      ).toEqual(SERVICES);
    }
  });
});

describe("@grpc/grpc-js with the .proto loaded at runtime", () => {
  type Callback = (error: grpc.ServiceError | null, response?: Record<string, unknown>) => void;
  type Unary = (request: object, metadata: grpc.Metadata, callback: Callback) => void;
  interface AdminClient extends grpc.Client {
    SetFlags: Unary;
    GetFlags: Unary;
    ListJobs: Unary;
  }

  function client(): AdminClient {
    const definition = loadSync(path.join(root, "proto/admin/v1/admin.proto"), {
      includeDirs: [path.join(root, "proto")],
      longs: String,
      defaults: true,
    });
    const loaded = grpc.loadPackageDefinition(definition) as unknown as {
      admin: { v1: { AdminService: grpc.ServiceClientConstructor } };
    };
    return new loaded.admin.v1.AdminService(
      `127.0.0.1:${controller.app.port}`,
      grpc.credentials.createInsecure(),
    ) as unknown as AdminClient;
  }

  function call(
    method: Unary,
    request: object,
    token?: string,
  ): Promise<{ error: grpc.ServiceError | null; response?: Record<string, unknown> }> {
    const metadata = new grpc.Metadata();
    if (token !== undefined) metadata.set("authorization", token);
    return new Promise((resolve) => method(request, metadata, (error, response) => resolve({ error, response })));
  }

  it("sets and reads flags, and is refused without the right token", async () => {
    const admin = client();
    try {
      const set = await call(
        admin.SetFlags.bind(admin),
        { backend: "test", flags: [{ id: "note", value: "from grpc-js" }, { id: "mode" }] },
        ADMIN_TOKEN,
      );
      expect(set.error).toBeNull();
      const got = await call(admin.GetFlags.bind(admin), { backend: "test", ids: ["note", "mode", "never"] }, ADMIN_TOKEN);
      const flags = (got.response?.flags ?? []) as { id: string; value?: string; changedAt: unknown }[];
      expect(flags.map((flag) => [flag.id, flag.value ?? null, flag.changedAt !== null])).toEqual([
        ["note", "from grpc-js", true],
        ["mode", null, true],
        ["never", null, false],
      ]);

      const missing = await call(admin.ListJobs.bind(admin), {});
      expect(missing.error?.code).toBe(grpc.status.UNAUTHENTICATED);
      const wrong = await call(admin.ListJobs.bind(admin), {}, "wrong-token");
      expect(wrong.error?.code).toBe(grpc.status.PERMISSION_DENIED);
      const unknown = await call(admin.GetFlags.bind(admin), { backend: "nope" }, ADMIN_TOKEN);
      // grpc-js undoes the grpc-message percent-encoding with decodeURI, which leaves `;`, `:` and `,` encoded.
      expect([unknown.error?.code, decodeURIComponent(unknown.error?.details ?? "")]).toEqual([
        grpc.status.INVALID_ARGUMENT,
        "unknown backend 'nope'; known backends: test, tpp",
      ]);
    } finally {
      admin.close();
    }
  });
});
