import { describe, expect, it } from "vitest";
import { sleep, Wakeup } from "../../../common/wakeup.js";

describe("Wakeup", () => {
  it("a wake while someone waits resolves the wait as woken", async () => {
    const wakeup = new Wakeup();
    const waiting = wakeup.wait(new AbortController().signal);
    wakeup.wake();
    expect(await waiting).toBe("woken");
  });

  it("keeps a wake that came before the wait, once", async () => {
    const wakeup = new Wakeup();
    wakeup.wake();
    wakeup.wake();
    expect(await wakeup.wait(new AbortController().signal)).toBe("woken");
    expect(await wakeup.wait(new AbortController().signal, 1)).toBe("timeout");
  });

  it("resolves aborted when the signal aborts, or at once when it already has", async () => {
    const wakeup = new Wakeup();
    const stop = new AbortController();
    const waiting = wakeup.wait(stop.signal, 60_000);
    stop.abort();
    expect(await waiting).toBe("aborted");
    expect(await wakeup.wait(stop.signal)).toBe("aborted");
  });

  it("refuses a second waiter at the same time", () => {
    const wakeup = new Wakeup();
    const stop = new AbortController();
    void wakeup.wait(stop.signal);
    expect(() => wakeup.wait(stop.signal)).toThrow("Wakeup already has a waiter");
    stop.abort();
  });

  it("sleep ends early on abort", async () => {
    const stop = new AbortController();
    const sleeping = sleep(60_000, stop.signal);
    stop.abort();
    await expect(sleeping).resolves.toBeUndefined();
  });
});
