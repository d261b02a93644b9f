import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { Outbox } from "../../../agent/outbox.js";
import { Stage, TaskOutcome, TaskResultSchema } from "../../../gen/agent/v1/agent_pb.js";

const tempOutbox = () => path.join(mkdtempSync(path.join(tmpdir(), "rap-outbox-")), "outbox.sqlite");

describe("outbox", () => {
  it("numbers updates per task and keeps them, in order, until acknowledged", () => {
    const outbox = new Outbox(tempOutbox());
    outbox.append({ taskId: "a-001", stage: Stage.PREPARING, complete: false });
    outbox.append({ taskId: "b-001", stage: Stage.PREPARING, complete: false });
    outbox.append({ taskId: "a-001", stage: Stage.PREPARED, complete: false, timestampNs: 5n });
    expect(outbox.pending().map((u) => [u.taskId, u.seq, u.stage])).toEqual([
      ["a-001", 1n, Stage.PREPARING],
      ["b-001", 1n, Stage.PREPARING],
      ["a-001", 2n, Stage.PREPARED],
    ]);
    outbox.acknowledge("a-001", 1n);
    expect(outbox.pending().map((u) => [u.taskId, u.seq])).toEqual([
      ["b-001", 1n],
      ["a-001", 2n],
    ]);
    outbox.close();
  });

  it("survives a restart: unacknowledged updates and sequence numbers are on disk", () => {
    const file = tempOutbox();
    const first = new Outbox(file);
    const result = create(TaskResultSchema, { outcome: TaskOutcome.FINISHED, exitCode: 0 });
    first.append({ taskId: "a-001", stage: Stage.FINALIZED, complete: true, result });
    first.close();
    const second = new Outbox(file);
    const [replayed] = second.pending();
    expect([replayed?.taskId, replayed?.seq, replayed?.complete, replayed?.result?.outcome, replayed?.result?.exitCode]).toEqual([
      "a-001",
      1n,
      true,
      TaskOutcome.FINISHED,
      0,
    ]);
    // The next update continues the sequence, so the controller never mistakes it for a duplicate.
    expect(second.append({ taskId: "a-001", stage: Stage.FINALIZED, complete: true, result }).seq).toBe(2n);
    second.close();
  });

  it("tells listeners about every append", () => {
    const outbox = new Outbox(tempOutbox());
    let calls = 0;
    const unsubscribe = outbox.onAppend(() => (calls += 1));
    outbox.append({ taskId: "a", stage: Stage.PREPARING, complete: false });
    unsubscribe();
    outbox.append({ taskId: "a", stage: Stage.PREPARED, complete: false });
    expect(calls).toBe(1);
    outbox.close();
  });

  it("hands listeners each stored update and each forgotten task", () => {
    const outbox = new Outbox(tempOutbox());
    const told: string[] = [];
    outbox.onAppend({
      appended: (update) => told.push(`appended ${update.taskId} ${update.seq}`),
      forgot: (taskId) => told.push(`forgot ${taskId}`),
    });
    outbox.append({ taskId: "a", stage: Stage.PREPARING, complete: false });
    outbox.append({ taskId: "a", stage: Stage.PREPARED, complete: false });
    outbox.forget("a");
    expect(told).toEqual(["appended a 1", "appended a 2", "forgot a"]);
    expect(outbox.pending()).toEqual([]);
    outbox.close();
  });

  it("keeps acknowledged updates out of a reopened outbox", () => {
    const file = tempOutbox();
    const first = new Outbox(file);
    first.append({ taskId: "a", stage: Stage.PREPARING, complete: false });
    first.append({ taskId: "a", stage: Stage.PREPARED, complete: false });
    first.acknowledge("a", 1n);
    first.close();
    const second = new Outbox(file);
    expect(second.pending().map((u) => [u.taskId, u.seq])).toEqual([["a", 2n]]);
    second.close();
  });
});
