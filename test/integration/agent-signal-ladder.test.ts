/**
 * The shutdown ladder of a real `rap agent` process, seen from the session tier: the scripted fake
 * controller (test/support/fake-controller.ts) decides when updates are acknowledged, so a test can
 * hold the agent in its drain. First SIGTERM: no new work, the stream stays up until the controller
 * has acknowledged every update, then a clean exit. Second SIGTERM: stop at once, leaving what was
 * not acknowledged in the outbox for the next start. (lifecycle.test.ts drains with a real job in
 * hand against the real controller.)
 */
import { rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { Stage } from "../../gen/agent/v1/agent_pb.js";
import { Outbox } from "../../agent/outbox.js";
import { agentConfig } from "../support/agent-harness.js";
import { spawnAgent, type AgentProcess } from "../support/agent-process.js";
import { startFakeController, type FakeController } from "../support/fake-controller.js";
import { waitFor } from "../support/wait-for.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A fake controller welcoming with a short heartbeat, so a live stream shows itself quickly. */
async function fakeController(): Promise<FakeController> {
  const fake = await startFakeController((stream) => stream.welcome(200));
  cleanups.push(() => fake.close());
  return fake;
}

/** An agent whose outbox already holds one unacknowledged update for task `t-ladder`. */
function agentWithPendingUpdate(fake: FakeController): { agent: AgentProcess; outboxPath: string } {
  const config = agentConfig(fake.url);
  const outboxPath = `${config.workdir}/outbox.sqlite`;
  const outbox = new Outbox(outboxPath);
  outbox.append({ taskId: "t-ladder", stage: Stage.EXECUTING, complete: false });
  outbox.close();
  const agent = spawnAgent(config);
  cleanups.push(async () => {
    await agent.kill("SIGKILL");
    rmSync(config.workdir, { recursive: true, force: true });
  });
  return { agent, outboxPath };
}

function exited(agent: AgentProcess): Promise<number | null> {
  if (agent.child.exitCode !== null) return Promise.resolve(agent.child.exitCode);
  return new Promise((resolve) => agent.child.once("exit", (code) => resolve(code)));
}

function pendingUpdates(outboxPath: string): { taskId: string; seq: bigint }[] {
  const outbox = new Outbox(outboxPath);
  try {
    return outbox.pending().map((update) => ({ taskId: update.taskId, seq: update.seq }));
  } finally {
    outbox.close();
  }
}

describe("the agent's shutdown ladder against a scripted controller", () => {
  it("first SIGTERM: keeps the stream until the last update is acknowledged, then exits 0", async () => {
    const fake = await fakeController();
    const { agent, outboxPath } = agentWithPendingUpdate(fake);
    const stream = await fake.stream(0);
    await fake.until(() => stream.updates.length === 1, "the replayed update");

    agent.child.kill("SIGTERM");
    await waitFor(() => agent.output().includes("SIGTERM received (1): draining"), { message: "drain begins" });
    // Still connected while draining: heartbeats keep coming on the same stream.
    const heartbeatsAtDrain = stream.heartbeatsReceived;
    await fake.until(() => stream.heartbeatsReceived >= heartbeatsAtDrain + 2, "heartbeats during the drain");
    expect(agent.child.exitCode).toBeNull();
    expect(stream.isClosed).toBe(false);

    stream.ack(stream.updates[0]!);
    expect(await exited(agent)).toBe(0);
    expect(pendingUpdates(outboxPath)).toEqual([]);
    expect(agent.output()).toContain('"drained"');
  });

  it("second SIGTERM: stops at once and keeps the unacknowledged update for the next start", async () => {
    const fake = await fakeController();
    const { agent, outboxPath } = agentWithPendingUpdate(fake);
    const stream = await fake.stream(0);
    await fake.until(() => stream.updates.length === 1, "the replayed update");

    agent.child.kill("SIGTERM");
    await waitFor(() => agent.output().includes("SIGTERM received (1): draining"), { message: "drain begins" });
    agent.child.kill("SIGTERM");
    expect(await exited(agent)).toBe(0);
    expect(agent.output()).toContain("SIGTERM received (2): cancelling");
    expect(pendingUpdates(outboxPath)).toEqual([{ taskId: "t-ladder", seq: 1n }]);
    await fake.until(() => stream.isClosed, "the stream closed by the agent");
  });
});
