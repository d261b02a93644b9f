import { describe, expect, it } from "vitest";
import { createdNanos } from "../../../runtime-drivers/container-cli/image-pull.js";
import { withDigest } from "../../../runtime-drivers/image-map.js";

describe("image creation times", () => {
  it("reads docker's RFC 3339 and podman's Go layout to the nanosecond", () => {
    expect(createdNanos("2026-12-03T14:40:24.726444111Z")).toBe(1796308824726444111n);
    expect(createdNanos("2026-12-03 14:40:24.726444111 +0000 UTC")).toBe(1796308824726444111n);
    expect(createdNanos("2026-12-03T15:40:24.5+01:00")).toBe(1796308824500000000n);
    expect(createdNanos("2026-12-03T14:40:24Z\n")).toBe(1796308824000000000n);
  });

  it("orders images made within one second", () => {
    expect(createdNanos("2026-12-03T14:40:24.45Z")! < createdNanos("2026-12-03T14:40:24.5Z")!).toBe(true);
  });

  it("has none for text that is not a time", () => {
    expect(createdNanos("")).toBeUndefined();
    expect(createdNanos("<no value>")).toBeUndefined();
  });
});

describe("digest references", () => {
  it("pins a tag to its digest, and leaves a reference without one or already pinned alone", () => {
    const digest = `sha256:${"c".repeat(64)}`;
    expect(withDigest("proxy.example/opensafely-core/python:v2", digest)).toBe(
      `proxy.example/opensafely-core/python:v2@${digest}`,
    );
    expect(withDigest("proxy.example/opensafely-core/python:v2", null)).toBe("proxy.example/opensafely-core/python:v2");
    expect(withDigest("proxy.example/opensafely-core/python:v2", undefined)).toBe("proxy.example/opensafely-core/python:v2");
    expect(withDigest(`mirror/python@${digest}`, `sha256:${"d".repeat(64)}`)).toBe(`mirror/python@${digest}`);
  });
});
