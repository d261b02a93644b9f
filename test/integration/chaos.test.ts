/**
 * The chaos run (test/chaos/chaos.ts) in the suite, with a small run count: random SIGKILLs of the
 * controller and the agent and SIGSTOP partitions, invariants checked after every round.
 * `npm run test:chaos` runs 100 rounds.
 */
import { describe, expect, it } from "vitest";
import { chaos } from "../chaos/chaos.js";

describe("chaos", () => {
  it("keeps every invariant over a few rounds of random faults", async () => {
    const report = await chaos({ runs: 3, deadlineMs: Date.now() + 50_000 });
    expect(report.violations).toEqual([]);
    expect(report.runs).toBeGreaterThan(0);
  }, 180_000);
});
