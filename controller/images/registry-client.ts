/**
 * Asks an image registry (the Docker / OCI distribution HTTP API) which content digest a tag names
 * now: `GET /v2/<repository>/manifests/<tag>`, answered with the `Docker-Content-Digest` header.
 * Registries such as ghcr.io want a bearer token even for public images: the first anonymous call
 * is refused with a challenge naming the token service, which hands out anonymous tokens. Tokens
 * are kept per repository and fetched again when refused.
 */
import { createHash } from "node:crypto";
import type { ImageReference } from "./image-reference.js";
import { registryBaseUrl } from "./image-reference.js";
import { parseBearerChallenge } from "./www-authenticate.js";

/**
 * Multi-arch images are an index (a manifest list); a registry only answers with one when the
 * client says it accepts one, and the index's digest is the one `docker pull name@digest` wants.
 */
const MANIFEST_ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
].join(", ");

const DIGEST = /^sha256:[a-f0-9]{64}$/;

export type RegistryErrorKind = "not_found" | "unavailable";

export class RegistryError extends Error {
  override readonly name = "RegistryError";
  constructor(
    readonly kind: RegistryErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export interface RegistryClientOptions {
  /** Per call (token fetch and manifest request each), so a frozen registry cannot hold a job. */
  readonly timeoutMs: number;
  readonly fetch?: typeof fetch;
}

export class RegistryClient {
  private readonly tokens = new Map<string, string>();
  private readonly fetch: typeof fetch;

  constructor(private readonly options: RegistryClientOptions) {
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  async manifestDigest(image: ImageReference, signal: AbortSignal): Promise<string> {
    const url = `${registryBaseUrl(image.host)}/v2/${image.repository}/manifests/${encodeURIComponent(image.tag)}`;
    const tokenKey = `${image.host}/${image.repository}`;
    let response = await this.request(url, this.tokens.get(tokenKey), signal);
    if (response.status === 401) {
      const challenge = parseBearerChallenge(response.headers.get("www-authenticate") ?? "");
      await response.body?.cancel();
      if (!challenge) throw new RegistryError("unavailable", `${image.host} refused the request and offered no token service`);
      const token = await this.token(challenge.realm, challenge.params, signal);
      this.tokens.set(tokenKey, token);
      response = await this.request(url, token, signal);
    }
    if (response.status === 404) {
      await response.body?.cancel();
      throw new RegistryError("not_found", `${image.host} has no image ${image.repository}:${image.tag}`);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new RegistryError("unavailable", `${image.host} answered ${response.status} for ${image.repository}:${image.tag}`);
    }
    const header = response.headers.get("docker-content-digest");
    const body = Buffer.from(await response.arrayBuffer());
    // The header is optional in the OCI spec; the digest is by definition that of the bytes served.
    const digest = header ?? `sha256:${createHash("sha256").update(body).digest("hex")}`;
    if (!DIGEST.test(digest)) throw new RegistryError("unavailable", `${image.host} gave a digest that is not sha256: ${digest}`);
    return digest;
  }

  private async request(url: string, token: string | undefined, signal: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { accept: MANIFEST_ACCEPT };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    return this.call(url, headers, signal);
  }

  private async token(realm: string, params: Readonly<Record<string, string>>, signal: AbortSignal): Promise<string> {
    const url = new URL(realm);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    const response = await this.call(url.toString(), { accept: "application/json" }, signal);
    if (!response.ok) {
      await response.body?.cancel();
      throw new RegistryError("unavailable", `the token service ${url.host} answered ${response.status}`);
    }
    const body = (await response.json().catch(() => ({}))) as { token?: unknown; access_token?: unknown };
    const token = typeof body.token === "string" ? body.token : body.access_token;
    if (typeof token !== "string" || token === "") {
      throw new RegistryError("unavailable", `the token service ${url.host} gave no token`);
    }
    return token;
  }

  private async call(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<Response> {
    try {
      return await this.fetch(url, { headers, signal: AbortSignal.any([signal, AbortSignal.timeout(this.options.timeoutMs)]) });
    } catch (error) {
      if (signal.aborted) throw error;
      const host = new URL(url).host;
      if (error instanceof DOMException && error.name === "TimeoutError") {
        throw new RegistryError("unavailable", `${host} did not answer within ${this.options.timeoutMs} ms`);
      }
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
      throw new RegistryError("unavailable", `could not reach ${host}: ${cause}`);
    }
  }
}
