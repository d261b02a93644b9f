/**
 * A push whose lease writes fail (the controller's disk is full) must not throw: it runs after
 * commits and from timers, where a throw ends the controller. It is reported, and tried again
 * until the database can be written, when the task reaches the agent once.
 */
import BetterSqlite3 from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { AgentConnection } from "../../../controller/agents/agent-connection.js";
import { SessionRegistry } from "../../../controller/agents/session-registry.js";
import { buildTestController, type TestController } from "../../support/controller-deps.js";
import { waitFor } from "../../support/wait-for.js";

let tc: TestController | undefined;
afterEach(() => tc?.dispose());

describe("session registry push", () => {
  it("reports a push that cannot take its lease and sends the task once the database can be written", async () => {
    tc = buildTestController();
    const tasks = tc.deps.tasks;
    tasks.insert({
      id: "job-001",
      backend: "test",
      type: "runjob",
      jobId: null,
      definition: { kind: "database", databaseName: "", image: "", args: [], hesExpectedActivityMonth: "" },
      attributes: {},
      createdAt: 0,
    });
    let full = true;
    // The real store, with its lease write failing as SQLite fails it on a full disk.
    const fullDisk = new Proxy(tasks, {
      get(target, key, receiver) {
        if (key === "acquireLease" && full)
          return () => {
            throw new BetterSqlite3.SqliteError("database or disk is full", "SQLITE_FULL");
          };
        const value: unknown = Reflect.get(target, key, receiver);
        return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const failures: string[] = [];
    const registry = new SessionRegistry(
      fullDisk,
      undefined,
      { nowMs: () => Date.now(), leaseMs: 60_000 },
      undefined,
      (backend, error) => failures.push(`${backend}: ${(error as { code: string }).code}`),
    );
    const session = new AgentConnection({
      backend: "test",
      agentId: "a",
      version: "1",
      driver: "docker",
      sessionId: "s1",
      connectedAtMs: Date.now(),
    });
    registry.register(session);

    expect(() => registry.pushActiveTasks("test")).not.toThrow();
    expect(failures).toEqual(["test: SQLITE_FULL"]);
    expect([...session.pushedTaskIds]).toEqual([]);
    await waitFor(() => failures.length >= 2, { message: "the push to be tried again" });
    full = false;
    await waitFor(() => session.pushedTaskIds.has("job-001"), { message: "the task to be pushed once space is back" });
    const sent = await session.next(AbortSignal.timeout(1000));
    expect([sent?.message.case, sent?.message.case === "task" ? sent.message.value.id : undefined]).toEqual(["task", "job-001"]);
    expect(tasks.lease("job-001")?.agentId).toBe("a");
    registry.stop();
  });
});
