/**
 * The agent stream under generated hostile input (test/fuzz/agent-stream-fuzz.ts), bounded for the
 * suite: 150 cases against a real controller with live tasks from a real study. `npm run fuzz --
 * --agent-stream` runs the same fuzzer for longer.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fuzzAgentStream } from "../fuzz/agent-stream-fuzz.js";
import { agentFuzzTarget } from "../support/agent-fuzz-target.js";
import { startController, type ControllerHarness } from "../support/controller-harness.js";

describe("agent stream fuzzing", () => {
  let controller: ControllerHarness;
  beforeAll(async () => {
    controller = await startController();
  });
  afterAll(async () => {
    await controller.dispose();
  });

  it("keeps every invariant over 150 generated streams: only refusals, the controller answers, no session left, valid job states", async () => {
    const report = await fuzzAgentStream(agentFuzzTarget(controller), { runs: 150 });
    expect(report.violations).toEqual([]);
    expect(report.cases).toBe(150);
    // The generator reaches past the Hello: some streams end cleanly, some are refused.
    expect(report.endings.ok ?? 0).toBeGreaterThan(0);
    expect(Object.keys(report.endings).length).toBeGreaterThan(1);
  }, 300_000);
});
