import { describe, expect, it } from "vitest";
import { Backoff, sleep } from "../../../agent/backoff.js";

describe("backoff", () => {
  it("draws each delay inside a window that doubles up to the cap", () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0.999 });
    expect([backoff.next(), backoff.next(), backoff.next(), backoff.next(), backoff.next()]).toEqual([99, 199, 399, 799, 999]);
  });

  it("uses the whole window, down to zero (full jitter)", () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0 });
    expect(backoff.next()).toBe(0);
  });

  it("starts again from the smallest window after a reset", () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0.5 });
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.next()).toBe(50);
  });

  it("sleep ends early when its signal aborts", async () => {
    const controller = new AbortController();
    const slept = sleep(60_000, controller.signal);
    controller.abort();
    await expect(slept).resolves.toBeUndefined();
  });
});
