import { describe, expect, it } from "vitest";
import { parseImageReference, registryBaseUrl } from "../../../controller/images/image-reference.js";
import { parseBearerChallenge } from "../../../controller/images/www-authenticate.js";

describe("image references", () => {
  it.each([
    ["ghcr.io/opensafely-core/python:v2", { host: "ghcr.io", repository: "opensafely-core/python", tag: "v2" }],
    [
      "127.0.0.1:5000/opensafely-core/tpp-database-utils:latest",
      { host: "127.0.0.1:5000", repository: "opensafely-core/tpp-database-utils", tag: "latest" },
    ],
    ["localhost/a/b", { host: "localhost", repository: "a/b", tag: "latest" }],
    [
      "registry.example.org:8443/x/stata-mp:2024.1",
      { host: "registry.example.org:8443", repository: "x/stata-mp", tag: "2024.1" },
    ],
  ])("%s", (image, expected) => {
    expect(parseImageReference(image)).toEqual(expected);
  });

  it.each([
    ["python:v2", 'image reference "python:v2" does not start with a registry host (DOCKER_REGISTRY)'],
    [
      "ghcr.io/opensafely-core/python@sha256:00",
      'image reference "ghcr.io/opensafely-core/python@sha256:00" already names a digest',
    ],
    ["ghcr.io/Opensafely/python:v2", 'image reference "ghcr.io/Opensafely/python:v2" has an invalid repository name'],
    [
      "ghcr.io/opensafely-core/python:v2/../x",
      'image reference "ghcr.io/opensafely-core/python:v2/../x" has an invalid repository name',
    ],
    ["ghcr.io/opensafely-core/python:-v2", 'image reference "ghcr.io/opensafely-core/python:-v2" has an invalid tag'],
  ])("refuses %s", (image, message) => {
    expect(() => parseImageReference(image)).toThrow(message);
  });

  it("speaks plain HTTP to loopback registries only, as docker does", () => {
    expect(registryBaseUrl("127.0.0.1:5000")).toBe("http://127.0.0.1:5000");
    expect(registryBaseUrl("localhost:5000")).toBe("http://localhost:5000");
    expect(registryBaseUrl("ghcr.io")).toBe("https://ghcr.io");
    expect(registryBaseUrl("127.0.0.1.example.org")).toBe("https://127.0.0.1.example.org");
  });
});

describe("bearer challenges", () => {
  it("reads ghcr.io's challenge", () => {
    expect(
      parseBearerChallenge(
        'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:opensafely-core/python:pull"',
      ),
    ).toEqual({
      realm: "https://ghcr.io/token",
      params: { service: "ghcr.io", scope: "repository:opensafely-core/python:pull" },
    });
  });

  it("takes escapes, bare values and any case of the scheme", () => {
    expect(parseBearerChallenge('bearer realm="https://a/t", service=reg, note="say \\"hi\\""')).toEqual({
      realm: "https://a/t",
      params: { service: "reg", note: 'say "hi"' },
    });
  });

  it("has nothing for a Basic challenge or one without a realm", () => {
    expect(parseBearerChallenge('Basic realm="registry"')).toBeUndefined();
    expect(parseBearerChallenge('Bearer service="x"')).toBeUndefined();
    expect(parseBearerChallenge("")).toBeUndefined();
  });
});
