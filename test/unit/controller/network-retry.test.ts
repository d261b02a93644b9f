import { describe, expect, it } from "vitest";
import { isTransientGitError, withNetworkRetry } from "../../../controller/git/network-retry.js";

const policy = { attempts: 3, budgetMs: 5000, initialDelayMs: 1, maxDelayMs: 4 };

describe("which git failures are retried", () => {
  it.each([
    "fatal: unable to access 'https://proxy/o/r/': The requested URL returned error: 503",
    "fatal: unable to access 'https://proxy/o/r/': Recv failure: Connection reset by peer",
    "fatal: unable to access 'https://proxy/o/r/': Failed to connect to proxy port 443: Connection refused",
    "fatal: unable to access 'https://proxy/o/r/': Operation timed out after 300000 milliseconds",
    "error: RPC failed; curl 56 GnuTLS recv error (-110): The TLS connection was non-properly terminated.",
    "fatal: early EOF",
  ])("transient: %s", (text) => {
    expect(isTransientGitError(text)).toBe(true);
  });

  it.each([
    "fatal: repository 'https://proxy/o/missing/' not found",
    "fatal: unable to access 'https://proxy/o/r/': The requested URL returned error: 403",
    "fatal: Authentication failed for 'https://proxy/o/r/'",
    "fatal: could not read Username for 'https://proxy': terminal prompts disabled",
    "fatal: couldn't find remote ref refs/heads/nope",
  ])("permanent: %s", (text) => {
    expect(isTransientGitError(text)).toBe(false);
  });
});

describe("withNetworkRetry", () => {
  it("tries again after transient failures and returns the result", async () => {
    let calls = 0;
    const retries: number[] = [];
    const result = await withNetworkRetry(
      () => (++calls < 3 ? Promise.reject(new Error("Connection reset by peer")) : Promise.resolve("ok")),
      policy,
      (attempt, delay) => retries.push(attempt, delay),
    );
    expect([result, calls, retries]).toEqual(["ok", 3, [1, 1, 2, 2]]);
  });

  it("gives up after the configured attempts with the last error", async () => {
    let calls = 0;
    await expect(withNetworkRetry(() => Promise.reject(new Error(`returned error: 502 (${++calls})`)), policy)).rejects.toThrow(
      "returned error: 502 (3)",
    );
    expect(calls).toBe(3);
  });

  it("does not retry a permanent failure", async () => {
    let calls = 0;
    await expect(
      withNetworkRetry(() => Promise.reject(new Error(`repository 'x' not found ${++calls}`)), policy),
    ).rejects.toThrow("repository 'x' not found 1");
  });

  it("stops when the next wait would overrun the budget", async () => {
    let calls = 0;
    await expect(
      withNetworkRetry(() => Promise.reject(new Error(`timed out ${++calls}`)), { ...policy, attempts: 10, budgetMs: 0 }),
    ).rejects.toThrow("timed out 1");
  });
});
