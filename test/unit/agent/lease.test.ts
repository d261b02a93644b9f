import { describe, expect, it } from "vitest";
import { AgentLease } from "../../../agent/lease.js";

/** A clock the test moves by hand. */
function manualClock(start: number) {
  let now = start;
  return { nowMs: () => now, advance: (ms: number) => (now += ms) };
}

describe("agent lease", () => {
  it("is held without waiting while no controller has granted leases (an older controller)", async () => {
    const lease = new AgentLease(() => 1_000_000);
    expect(lease.held).toBe(true);
    await expect(lease.hold(new AbortController().signal)).resolves.toBe(true);
  });

  it("runs from the send time of the Hello the Welcome answered, not from when the Welcome arrived", () => {
    const clock = manualClock(10_000);
    const lease = new AgentLease(clock.nowMs);
    // The Welcome is read 4 s after the Hello went out (a frozen process, a full socket buffer).
    lease.granted(5_000, 6_000);
    expect(lease.held).toBe(true);
    clock.advance(999);
    expect(lease.held).toBe(true);
    clock.advance(1);
    expect(lease.held).toBe(false);
  });

  it("is renewed by an answered heartbeat and never shortened by a stale answer", () => {
    const clock = manualClock(0);
    const lease = new AgentLease(clock.nowMs);
    lease.granted(1_000, 0);
    lease.renewed(800);
    lease.renewed(100);
    clock.advance(1_799);
    expect(lease.held).toBe(true);
    clock.advance(1);
    expect(lease.held).toBe(false);
  });

  it("makes a step wait until the lease is renewed, and says stop when the task is taken away", async () => {
    const clock = manualClock(0);
    const lease = new AgentLease(clock.nowMs);
    lease.granted(1_000, 0);
    clock.advance(5_000);
    const waits: string[] = [];
    const resumed = lease.hold(new AbortController().signal, () => waits.push("waiting"));
    const taken = new AbortController();
    const stopped = lease.hold(taken.signal);
    expect(waits).toEqual(["waiting"]);
    taken.abort();
    await expect(stopped).resolves.toBe(false);
    lease.renewed(4_500);
    await expect(resumed).resolves.toBe(true);
    expect(lease.held).toBe(true);
  });
});
