import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Outbox } from "../../../agent/outbox.js";

const tempOutbox = () => path.join(mkdtempSync(path.join(tmpdir(), "rap-outbox-")), "outbox.sqlite");

describe("outbox", () => {
  it("numbers updates per task and keeps them, in order, until acknowledged", () => {
    const outbox = new Outbox(tempOutbox());
    outbox.append({ taskId: "a-001", stage: "preparing", complete: false });
    outbox.append({ taskId: "b-001", stage: "preparing", complete: false });
    outbox.append({ taskId: "a-001", stage: "prepared", complete: false, timestampNs: 5n });
    expect(outbox.pending().map((u) => [u.taskId, u.seq, u.stage])).toEqual([
      ["a-001", 1n, "preparing"],
      ["b-001", 1n, "preparing"],
      ["a-001", 2n, "prepared"],
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
    first.append({ taskId: "a-001", stage: "finalized", complete: true, results: { exit_code: 0 } });
    first.close();
    const second = new Outbox(file);
    const [replayed] = second.pending();
    expect([replayed?.taskId, replayed?.seq, replayed?.complete, replayed?.results]).toEqual([
      "a-001",
      1n,
      true,
      { exit_code: 0 },
    ]);
    // The next update continues the sequence, so the controller never mistakes it for a duplicate.
    expect(second.append({ taskId: "a-001", stage: "finalized", complete: true }).seq).toBe(2n);
    second.close();
  });

  it("tells listeners about every append", () => {
    const outbox = new Outbox(tempOutbox());
    let calls = 0;
    const unsubscribe = outbox.onAppend(() => (calls += 1));
    outbox.append({ taskId: "a", stage: "x", complete: false });
    unsubscribe();
    outbox.append({ taskId: "a", stage: "y", complete: false });
    expect(calls).toBe(1);
    outbox.close();
  });
});
