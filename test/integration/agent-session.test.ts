/**
 * The agent's session (agent/session.ts) against a scripted fake controller
 * (test/support/fake-controller.ts) on a real socket: reconnects with outbox replay, a controller
 * that goes silent, a standby that takes over once the active agent leaves, and refusals that end
 * the session. The real controller's side of the same protocol is covered by agent-stream.test.ts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Code } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import { Stage, TaskType, type Task } from "../../gen/agent/v1/agent_pb.js";
import { Backoff } from "../../agent/backoff.js";
import { createAgentLogger } from "../../agent/logger.js";
import { Outbox } from "../../agent/outbox.js";
import { AgentSession, FatalSessionError } from "../../agent/session.js";
import { waitFor } from "../support/wait-for.js";
import { startFakeController, type FakeController, type FakeStream } from "../support/fake-controller.js";

interface RunningAgent {
  readonly session: AgentSession;
  readonly outbox: Outbox;
  readonly tasks: Task[];
  readonly logs: string[];
  readonly connected: boolean[];
  /** Settles when `run` returns or throws. */
  readonly done: Promise<unknown>;
  stop(): Promise<void>;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function startAgent(fake: FakeController, agentId: string, dir = mkdtempSync(path.join(tmpdir(), "rap-session-"))): RunningAgent {
  const outbox = new Outbox(path.join(dir, "outbox.sqlite"));
  const tasks: Task[] = [];
  const logs: string[] = [];
  const connected: boolean[] = [];
  const stopper = new AbortController();
  const session = new AgentSession({
    controllerUrl: fake.url,
    token: "agent-token",
    backend: "test",
    agentId,
    version: "test",
    driver: "docker",
    outbox,
    log: createAgentLogger("debug", {}, (line) => logs.push(line)),
    onTask: (task) => {
      tasks.push(task);
      return "taken";
    },
    inFlight: () => tasks.map((task) => task.id),
    onConnected: (state) => connected.push(state),
    // Small, fixed windows: a reconnect in these tests is a matter of milliseconds, not of luck.
    backoff: new Backoff({ initialMs: 20, maxMs: 100, random: () => 1 }),
    heartbeatIntervalMs: 60_000,
  });
  const done = session.run(stopper.signal).then(
    () => "stopped",
    (error: unknown) => error,
  );
  const agent: RunningAgent = {
    session,
    outbox,
    tasks,
    logs,
    connected,
    done,
    async stop() {
      stopper.abort();
      await done;
      outbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  cleanups.push(() => agent.stop());
  return agent;
}

async function fake(onHello?: (stream: FakeStream) => void): Promise<FakeController> {
  const controller = await startFakeController(onHello);
  cleanups.push(() => controller.close());
  return controller;
}

const update = (taskId: string, stage: Stage) => ({ taskId, stage, complete: false });

describe("agent session against a scripted controller", () => {
  it("reconnects after the controller ends the stream and replays only what was not acknowledged", async () => {
    const controller = await fake();
    const agent = startAgent(controller, "agent-1");
    const first = await controller.stream(0);
    expect(first.hello.agentId).toBe("agent-1");
    expect(first.hello.inFlight).toEqual([]);

    const acked = agent.outbox.append(update("task-a", Stage.PREPARING));
    const unacked = agent.outbox.append(update("task-a", Stage.EXECUTING));
    await controller.until(() => first.updates.length === 2, "both updates on the first stream");
    first.ack(acked);
    await waitFor(() => agent.outbox.depth() === 1, { message: "the acknowledgement to reach the outbox" });
    first.pushTask({ id: "task-a", backend: "test", type: TaskType.RUNJOB });
    await waitFor(() => agent.tasks.length === 1, { message: "the pushed task" });
    first.end();

    const second = await controller.stream(1);
    expect(second.hello.inFlight).toEqual(["task-a"]);
    await controller.until(() => second.updates.length === 1, "the replay on the second stream");
    expect(second.updates.map((u) => [u.taskId, u.seq, u.stage])).toEqual([["task-a", unacked.seq, Stage.EXECUTING]]);
    expect(agent.logs.some((line) => line.includes("controller closed the stream; reconnecting"))).toBe(true);
  });

  it("gives up on a controller that goes silent and reconnects", async () => {
    // The first stream is welcomed with a 100 ms heartbeat and then hears nothing more; later ones
    // are welcomed normally.
    let streamsOpened = 0;
    const controller = await fake((stream) => stream.welcome(++streamsOpened === 1 ? 100 : 60_000));
    const agent = startAgent(controller, "agent-1");
    const first = await controller.stream(0);
    await controller.stream(1);
    expect(first.isClosed).toBe(true);
    expect(agent.logs.some((line) => line.includes("controller silent for more than 300 ms"))).toBe(true);
    await waitFor(() => agent.connected.length >= 3, { message: "the second welcome" });
    expect(agent.connected.slice(0, 3)).toEqual([true, false, true]);
  });

  it("a standby is refused while the active agent is connected and takes over once it leaves", async () => {
    let active: FakeStream | undefined;
    const controller = await fake((stream) => {
      if (active && !active.isClosed) {
        stream.fail(Code.AlreadyExists, "backend 'test' already has a connected agent");
        return;
      }
      active = stream;
      stream.welcome();
    });
    const first = startAgent(controller, "agent-1");
    await controller.stream(0);
    const standby = startAgent(controller, "agent-2");
    await controller.until(
      () => controller.streams.filter((s) => s.hello.agentId === "agent-2").length >= 2,
      "the standby to retry",
    );
    expect(standby.connected.includes(true)).toBe(false);

    await first.stop();
    await controller.until(() => active?.hello.agentId === "agent-2", "the standby's welcome");
    active?.pushTask({ id: "task-b", backend: "test", type: TaskType.RUNJOB });
    await waitFor(() => standby.tasks.length === 1, { message: "the task to reach the standby" });
    expect(standby.tasks.map((task) => task.id)).toEqual(["task-b"]);
    expect(standby.connected.at(-1)).toBe(true);
  });

  it.each([
    ["Unauthenticated", Code.Unauthenticated, "Invalid agent token"],
    ["PermissionDenied", Code.PermissionDenied, "this token is not valid for backend 'test'"],
  ])("ends the session when the controller refuses the agent (%s)", async (_name, code, message) => {
    const controller = await fake((stream) => stream.fail(code, message));
    const agent = startAgent(controller, "agent-1");
    const outcome = await agent.done;
    expect(outcome).toBeInstanceOf(FatalSessionError);
    expect((outcome as Error).message).toBe(
      `controller refused this agent: [${Code[code].replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase()}] ${message}`,
    );
    expect(controller.streams).toHaveLength(1);
  });
});
