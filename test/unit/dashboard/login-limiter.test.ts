/** The dashboard login's token bucket per client address, on an explicit clock. */
import { describe, expect, it } from "vitest";
import { LOGIN_ATTEMPTS, LOGIN_WINDOW_MS, LoginLimiter } from "../../../controller/dashboard/login-limiter.js";

describe("LoginLimiter", () => {
  it("allows the configured attempts per address, then refuses with the wait until the next", () => {
    const limiter = new LoginLimiter(3, 60_000);
    expect([1, 2, 3].map(() => limiter.take("10.0.0.1", 0).allowed)).toEqual([true, true, true]);
    // One attempt comes back every 20 s (3 per minute).
    expect(limiter.take("10.0.0.1", 0)).toEqual({ allowed: false, retryAfterSeconds: 20 });
    expect(limiter.take("10.0.0.1", 15_000)).toEqual({ allowed: false, retryAfterSeconds: 5 });
    // Another address has its own bucket.
    expect(limiter.take("10.0.0.2", 15_000)).toEqual({ allowed: true });
    expect(limiter.take("10.0.0.1", 20_000)).toEqual({ allowed: true });
    expect(limiter.take("10.0.0.1", 20_000)).toEqual({ allowed: false, retryAfterSeconds: 20 });
  });

  it("refills to the limit and no further", () => {
    const limiter = new LoginLimiter(2, 1000);
    limiter.take("a", 0);
    limiter.take("a", 0);
    const later = 1_000_000;
    expect([1, 2, 3].map(() => limiter.take("a", later).allowed)).toEqual([true, true, false]);
  });

  it("defaults to 10 attempts a minute", () => {
    expect([LOGIN_ATTEMPTS, LOGIN_WINDOW_MS]).toEqual([10, 60_000]);
    const limiter = new LoginLimiter();
    const answers = Array.from({ length: 11 }, () => limiter.take("a", 0).allowed);
    expect(answers.filter(Boolean)).toHaveLength(10);
    expect(answers[10]).toBe(false);
  });

  it("remembers a bounded number of addresses, forgetting full buckets first", () => {
    const limiter = new LoginLimiter(1, 1000);
    for (let n = 0; n < 10_000; n++) limiter.take(`addr-${n}`, 0);
    expect(limiter.tracked).toBe(10_000);
    // At 1 s every bucket has refilled: they are all forgotten to make room.
    limiter.take("newcomer", 1000);
    expect(limiter.tracked).toBe(1);
    // Mid-attack (nothing refilled), the oldest goes, and the bound holds.
    for (let n = 0; n < 10_000; n++) limiter.take(`again-${n}`, 1000);
    expect(limiter.tracked).toBe(10_000);
    expect(limiter.take("again-9999", 1000)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(limiter.take("newcomer", 1000)).toEqual({ allowed: true });
    expect(limiter.tracked).toBe(10_000);
  });
});
