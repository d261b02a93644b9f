/**
 * The digest cache the scheduler asks: answers at once from what it knows, asks the registry once
 * for any number of waiting jobs, hands them back with the answer, falls back to the digest last
 * seen, backs off without one, and fails jobs at once for an image the registry does not have.
 * The resolver here is a function the test answers by hand (the registry calls themselves are
 * tested against a real registry in registry-client.test.ts).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { ImageDigests } from "../../../controller/images/image-digests.js";
import { RegistryError } from "../../../controller/images/registry-client.js";
import { quietLogger } from "../../support/controller-harness.js";

const IMAGE = "ghcr.io/opensafely-core/python:v2";
const A = `sha256:${"a".repeat(64)}`;
const B = `sha256:${"b".repeat(64)}`;

function setUp(freshMs = 60_000) {
  let now = 1_000_000;
  const asked: { image: string; resolve: (digest: string) => void; reject: (error: Error) => void }[] = [];
  const settled: string[][] = [];
  const stop = new AbortController();
  const digests = new ImageDigests({
    resolve: (image) =>
      new Promise<string>((resolve, reject) => {
        asked.push({ image, resolve, reject });
      }),
    clock: { nowMs: () => now },
    log: quietLogger(),
    freshMs,
    retryInitialMs: 5_000,
    retryMaxMs: 20_000,
    onSettled: (ids) => settled.push(ids),
    signal: stop.signal,
  });
  const flush = () => new Promise((resolve) => setImmediate(resolve));
  return { digests, asked, settled, stop, flush, advance: (ms: number) => (now += ms) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("image digests", () => {
  it("asks once for all the jobs waiting and hands them the answer", async () => {
    const { digests, asked, settled, flush } = setUp();
    expect(digests.lookup(IMAGE, "j1")).toEqual({ kind: "waiting" });
    expect(digests.lookup(IMAGE, "j2")).toEqual({ kind: "waiting" });
    expect(asked.map((call) => call.image)).toEqual([IMAGE]);
    asked[0]!.resolve(A);
    await flush();
    expect(settled).toEqual([["j1", "j2"]]);
    expect(digests.lookup(IMAGE, "j1")).toEqual({ kind: "known", digest: A });
    expect(digests.lookup(IMAGE, "j3")).toEqual({ kind: "known", digest: A });
    expect(asked).toHaveLength(1);
  });

  it("asks again once the answer is older than freshMs, but the jobs that waited keep theirs", async () => {
    const { digests, asked, flush, advance } = setUp(0);
    digests.lookup(IMAGE, "j1");
    asked[0]!.resolve(A);
    await flush();
    advance(1);
    expect(digests.lookup(IMAGE, "j1")).toEqual({ kind: "known", digest: A });
    expect(digests.lookup(IMAGE, "j2")).toEqual({ kind: "waiting" });
    expect(asked).toHaveLength(2);
    asked[1]!.resolve(B);
    await flush();
    expect(digests.lookup(IMAGE, "j2")).toEqual({ kind: "known", digest: B });
    expect(digests.known()).toEqual(new Map([[IMAGE, B]]));
  });

  it("uses the digest last seen when the registry cannot be asked", async () => {
    const { digests, asked, settled, flush, advance } = setUp(10_000);
    digests.lookup(IMAGE, "j1");
    asked[0]!.resolve(A);
    await flush();
    advance(10_000);
    expect(digests.lookup(IMAGE, "j2")).toEqual({ kind: "waiting" });
    asked[1]!.reject(new RegistryError("unavailable", "could not reach ghcr.io: connect ECONNREFUSED"));
    await flush();
    expect(settled.at(-1)).toEqual(["j2"]);
    expect(digests.lookup(IMAGE, "j2")).toEqual({ kind: "known", digest: A });
    // The fallback serves as a fresh answer for freshMs: the registry is not hammered meanwhile.
    expect(digests.lookup(IMAGE, "j3")).toEqual({ kind: "known", digest: A });
    expect(asked).toHaveLength(2);
  });

  it("with nothing seen, backs off (doubling) and hands the jobs back when the wait is over", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { digests, asked, settled, advance } = setUp();
    digests.lookup(IMAGE, "j1");
    asked[0]!.reject(new RegistryError("unavailable", "ghcr.io answered 503 for opensafely-core/python:v2"));
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toEqual([]);
    // Within the backoff nobody asks again; a new job waits with the others.
    expect(digests.lookup(IMAGE, "j2")).toEqual({ kind: "waiting" });
    expect(asked).toHaveLength(1);
    advance(5_000);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(settled).toEqual([["j1", "j2"]]);
    expect(digests.lookup(IMAGE, "j1")).toEqual({ kind: "waiting" });
    expect(asked).toHaveLength(2);
    asked[1]!.reject(new RegistryError("unavailable", "still down"));
    await vi.advanceTimersByTimeAsync(0);
    advance(5_000);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(settled).toHaveLength(1);
    advance(5_000);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(settled).toEqual([["j1", "j2"], ["j1"]]);
    digests.lookup(IMAGE, "j1");
    asked[2]!.resolve(A);
    await vi.advanceTimersByTimeAsync(0);
    expect(digests.lookup(IMAGE, "j1")).toEqual({ kind: "known", digest: A });
  });

  it("fails the jobs at once for an image the registry does not have, and asks again after the backoff", async () => {
    const { digests, asked, settled, flush, advance } = setUp();
    digests.lookup(IMAGE, "j1");
    asked[0]!.reject(new RegistryError("not_found", "ghcr.io has no image opensafely-core/python:v2"));
    await flush();
    expect(settled).toEqual([["j1"]]);
    const missing = { kind: "missing", reason: "ghcr.io has no image opensafely-core/python:v2" };
    expect(digests.lookup(IMAGE, "j1")).toEqual(missing);
    expect(digests.lookup(IMAGE, "j2")).toEqual(missing);
    advance(5_000);
    expect(digests.lookup(IMAGE, "j3")).toEqual({ kind: "waiting" });
    expect(asked).toHaveLength(2);
  });

  it("stops its timers and ignores answers once stopped", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { digests, asked, settled, stop } = setUp();
    digests.lookup(IMAGE, "j1");
    asked[0]!.reject(new RegistryError("unavailable", "down"));
    await vi.advanceTimersByTimeAsync(0);
    stop.abort();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(settled).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
