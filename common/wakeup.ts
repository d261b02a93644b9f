/**
 * The one way this code base waits for "something changed, or stop, or time is up". A Wakeup is a
 * flag that one waiter awaits: `wake()` sets it, and a wake that comes while nobody is waiting is
 * kept, so a change between a check and the wait after it is never lost. Shared by the controller,
 * the agent and the CLI (common/ imports nothing of the project, so every side may use it).
 */
export type WakeReason = "woken" | "aborted" | "timeout";

export class Wakeup {
  private woken = false;
  private settleWaiter: ((reason: WakeReason) => void) | undefined;

  /** Wakes the waiter, or the next one if none is waiting. */
  wake(): void {
    this.woken = true;
    this.settleWaiter?.("woken");
  }

  /**
   * Resolves "woken" (and clears the flag), "aborted" once `signal` aborts, or "timeout" after
   * `timeoutMs`. Never rejects. One waiter at a time: a second concurrent wait is a bug.
   */
  wait(signal: AbortSignal, timeoutMs?: number): Promise<WakeReason> {
    if (this.settleWaiter) throw new Error("Wakeup already has a waiter");
    if (this.woken) {
      this.woken = false;
      return Promise.resolve("woken");
    }
    if (signal.aborted) return Promise.resolve("aborted");
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => settle("aborted");
      const settle = (reason: WakeReason) => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        this.settleWaiter = undefined;
        if (reason === "woken") this.woken = false;
        resolve(reason);
      };
      this.settleWaiter = settle;
      signal.addEventListener("abort", onAbort, { once: true });
      if (timeoutMs !== undefined) timer = setTimeout(() => settle("timeout"), timeoutMs);
    });
  }
}

/** Resolves after `ms`, or early when the signal aborts. Never rejects. */
export async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  await new Wakeup().wait(signal, ms);
}
