/**
 * The controller's registry client against a real registry (Debian's docker-registry), with the
 * manifest put there over the registry's own upload API. Public registries such as ghcr.io want a
 * bearer token even for anonymous pulls; a gateway in front of the real registry plays that part
 * (refuses without the token with the same challenge ghcr.io sends, hands the token out from its
 * token endpoint), so the client's whole exchange is exercised.
 */
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseImageReference } from "../../controller/images/image-reference.js";
import { RegistryClient, RegistryError } from "../../controller/images/registry-client.js";
import { startImageRegistry, type ImageRegistry } from "../support/image-registry.js";

/** The RegistryError a call fails with (the test fails if it succeeds or fails otherwise). */
async function failure(call: Promise<string>): Promise<RegistryError> {
  const caught = await call.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(caught instanceof RegistryError)) throw new Error(`expected a RegistryError, got ${String(caught)}`);
  return caught;
}

const sha256 = (data: Buffer | string) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

async function putBlob(registry: ImageRegistry, repository: string, data: Buffer): Promise<string> {
  const digest = sha256(data);
  const started = await fetch(`http://${registry.host}/v2/${repository}/blobs/uploads/`, { method: "POST" });
  const location = new URL(started.headers.get("location") ?? "", `http://${registry.host}`);
  location.searchParams.set("digest", digest);
  const put = await fetch(location, { method: "PUT", body: data, headers: { "content-type": "application/octet-stream" } });
  expect(put.status).toBe(201);
  return digest;
}

/** Puts a one-layer image manifest under `repository:tag`; returns the manifest's digest. */
async function putImage(registry: ImageRegistry, repository: string, tag: string, marker: string): Promise<string> {
  const config = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      config: { Env: [`MARKER=${marker}`] },
      rootfs: { type: "layers", diff_ids: [] },
    }),
  );
  const layer = Buffer.from(marker);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: {
      mediaType: "application/vnd.oci.image.config.v1+json",
      digest: await putBlob(registry, repository, config),
      size: config.length,
    },
    layers: [
      {
        mediaType: "application/vnd.oci.image.layer.v1.tar",
        digest: await putBlob(registry, repository, layer),
        size: layer.length,
      },
    ],
  });
  const put = await fetch(`http://${registry.host}/v2/${repository}/manifests/${tag}`, {
    method: "PUT",
    body: manifest,
    headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" },
  });
  expect(put.status).toBe(201);
  return sha256(manifest);
}

/** ghcr.io's manner: anonymous calls get a Bearer challenge; its token endpoint hands out a token. */
function tokenGateway(registry: ImageRegistry): Promise<{ server: Server; host: string; calls: string[] }> {
  const calls: string[] = [];
  const TOKEN = "anonymous-token-1";
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://gateway");
    calls.push(`${request.method} ${url.pathname}${url.search}`);
    if (url.pathname === "/token") {
      const ok =
        url.searchParams.get("service") === "gateway" &&
        url.searchParams.get("scope") === "repository:opensafely-core/python:pull";
      response.writeHead(ok ? 200 : 400, { "content-type": "application/json" });
      response.end(ok ? JSON.stringify({ token: TOKEN }) : "{}");
      return;
    }
    if (request.headers.authorization !== `Bearer ${TOKEN}`) {
      const { port } = server.address() as AddressInfo;
      response.writeHead(401, {
        "www-authenticate": `Bearer realm="http://127.0.0.1:${port}/token",service="gateway",scope="repository:opensafely-core/python:pull"`,
      });
      response.end();
      return;
    }
    void fetch(`http://${registry.host}${url.pathname}`, { headers: { accept: request.headers.accept ?? "" } }).then(
      async (upstream) => {
        const headers: Record<string, string> = {};
        upstream.headers.forEach((value, key) => (headers[key] = value));
        delete headers["content-length"];
        response.writeHead(upstream.status, headers);
        response.end(Buffer.from(await upstream.arrayBuffer()));
      },
    );
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ server, host: `127.0.0.1:${(server.address() as AddressInfo).port}`, calls })),
  );
}

describe("registry client (real registry)", () => {
  let registry: ImageRegistry;
  const signal = new AbortController().signal;

  beforeAll(async () => {
    registry = await startImageRegistry();
  });
  afterAll(async () => {
    await registry.stop();
  });

  it("gives the digest the tag names now, the same the registry reports", async () => {
    const first = await putImage(registry, "opensafely-core/python", "v2", "one");
    const client = new RegistryClient({ timeoutMs: 5_000 });
    const image = parseImageReference(`${registry.host}/opensafely-core/python:v2`);
    expect(await client.manifestDigest(image, signal)).toBe(first);
    expect(await registry.digestOf("opensafely-core/python", "v2")).toBe(first);
    const second = await putImage(registry, "opensafely-core/python", "v2", "two");
    expect(second).not.toBe(first);
    expect(await client.manifestDigest(image, signal)).toBe(second);
  });

  it("says not found for a tag or repository the registry does not have", async () => {
    const client = new RegistryClient({ timeoutMs: 5_000 });
    for (const [reference, message] of [
      [`${registry.host}/opensafely-core/python:v99`, `${registry.host} has no image opensafely-core/python:v99`],
      [`${registry.host}/opensafely-core/nothing:v1`, `${registry.host} has no image opensafely-core/nothing:v1`],
    ] as const) {
      const error = await failure(client.manifestDigest(parseImageReference(reference), signal));
      expect([error.kind, error.message]).toEqual(["not_found", message]);
    }
  });

  it("fetches an anonymous token when challenged, and reuses it", async () => {
    const digest = await putImage(registry, "opensafely-core/python", "v3", "three");
    const gateway = await tokenGateway(registry);
    try {
      const client = new RegistryClient({ timeoutMs: 5_000 });
      const image = parseImageReference(`${gateway.host}/opensafely-core/python:v3`);
      expect(await client.manifestDigest(image, signal)).toBe(digest);
      expect(await client.manifestDigest(image, signal)).toBe(digest);
      expect(gateway.calls).toEqual([
        "GET /v2/opensafely-core/python/manifests/v3",
        "GET /token?service=gateway&scope=repository%3Aopensafely-core%2Fpython%3Apull",
        "GET /v2/opensafely-core/python/manifests/v3",
        "GET /v2/opensafely-core/python/manifests/v3",
      ]);
    } finally {
      await new Promise((resolve) => gateway.server.close(resolve));
    }
  });

  it("says unavailable for a registry that cannot be reached or does not answer in time", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const client = new RegistryClient({ timeoutMs: 5_000 });
    const refused = await failure(
      client.manifestDigest(parseImageReference(`127.0.0.1:${port}/opensafely-core/python:v2`), signal),
    );
    expect([refused.kind, refused.message]).toEqual([
      "unavailable",
      `could not reach 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`,
    ]);

    // A registry that accepts the connection and never answers.
    const frozen = createServer(() => undefined);
    await new Promise<void>((resolve) => frozen.listen(0, "127.0.0.1", resolve));
    try {
      const frozenPort = (frozen.address() as AddressInfo).port;
      const slow = new RegistryClient({ timeoutMs: 200 });
      const timedOut = await failure(
        slow.manifestDigest(parseImageReference(`127.0.0.1:${frozenPort}/opensafely-core/python:v2`), signal),
      );
      expect(timedOut.kind).toBe("unavailable");
      expect(timedOut.message).toBe(`127.0.0.1:${frozenPort} did not answer within 200 ms`);
    } finally {
      frozen.closeAllConnections();
      await new Promise((resolve) => frozen.close(resolve));
    }
  });
});
