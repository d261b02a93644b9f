/**
 * Every AdminService call checks the admin token first: none is Unauthenticated, a wrong one (or
 * any token while RAP_ADMIN_TOKEN is unset) PermissionDenied, and each refusal is logged with the
 * method. The handlers are called directly with a real HandlerContext and real stores.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createHandlerContext } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import { AdminService, GetFlagsRequestSchema } from "../../../gen/admin/v1/admin_pb.js";
import { SessionRegistry } from "../../../controller/agents/session-registry.js";
import { createLogger } from "../../../controller/logger.js";
import { adminService } from "../../../controller/rpc/admin-service.js";
import { buildTestController, type TestController } from "../../support/controller-deps.js";

let tc: TestController | undefined;
afterEach(() => tc?.dispose());

function serviceWith(env: Record<string, string>) {
  tc = buildTestController({ env });
  const lines: string[] = [];
  const deps = { ...tc.deps, log: createLogger({ level: "info", write: (line) => lines.push(line) }) };
  const service = adminService(deps, {
    sessions: new SessionRegistry(deps.tasks),
    sink: { jobChanged: () => undefined, tasksChanged: () => undefined },
  });
  const call = async (authorization?: string) => {
    const context = createHandlerContext({
      service: AdminService,
      method: AdminService.method.getFlags,
      protocolName: "grpc",
      requestMethod: "POST",
      url: "http://127.0.0.1/admin.v1.AdminService/GetFlags",
      requestHeader: authorization === undefined ? {} : { authorization },
    });
    try {
      const response = await service.getFlags(create(GetFlagsRequestSchema, { backend: "test", ids: ["paused"] }), context);
      return response.flags?.length;
    } catch (error) {
      return ConnectError.from(error).code;
    }
  };
  return { call, lines };
}

describe("admin token", () => {
  it("lets the right token in, raw or as a Bearer token", async () => {
    const { call } = serviceWith({ RAP_ADMIN_TOKEN: "s3cret" });
    expect(await call("s3cret")).toBe(1);
    expect(await call("Bearer s3cret")).toBe(1);
  });

  it("refuses a missing token as Unauthenticated and a wrong one as PermissionDenied, and logs both", async () => {
    const { call, lines } = serviceWith({ RAP_ADMIN_TOKEN: "s3cret" });
    expect(await call()).toBe(Code.Unauthenticated);
    expect(await call("guess")).toBe(Code.PermissionDenied);
    expect(
      lines.map((line) => {
        const { level, msg, method } = JSON.parse(line) as Record<string, unknown>;
        return { level, msg, method };
      }),
    ).toEqual([
      { level: "warn", msg: "admin call refused: no token", method: "GetFlags" },
      { level: "warn", msg: "admin call refused: wrong token", method: "GetFlags" },
    ]);
  });

  it("refuses every token when no admin token is configured", async () => {
    const { call } = serviceWith({});
    expect(await call("anything")).toBe(Code.PermissionDenied);
  });
});
