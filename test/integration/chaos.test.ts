/**
 * The chaos run (test/chaos/chaos.ts) in the suite, with a small run count: a full controller disk
 * and a dropped agent stream in the first two rounds (so both occur on every run), then a random
 * fault (SIGKILLs of the controller and the agent, SIGSTOP partitions, or again one of those two);
 * invariants checked after every round. `npm run test:chaos` runs 100 rounds.
 */
import { describe, expect, it } from "vitest";
import { chaos } from "../chaos/chaos.js";

describe("chaos", () => {
  it("keeps every invariant over a few rounds of random faults", async () => {
    const report = await chaos({ runs: 3, deadlineMs: Date.now() + 50_000, order: ["disk-full", "stream-drop"] });
    expect(report.violations).toEqual([]);
    expect(report.runs).toBeGreaterThanOrEqual(2);
    expect(report.faults["disk-full"]).toBeGreaterThanOrEqual(1);
    expect(report.faults["stream-drop"]).toBeGreaterThanOrEqual(1);
  }, 180_000);
});
