/**
 * A registry image reference split the way the registry's HTTP API needs it: the host to call, the
 * repository path on it, and the tag. `ghcr.io/opensafely-core/python:v2` is host `ghcr.io`,
 * repository `opensafely-core/python`, tag `v2`.
 */
export interface ImageReference {
  readonly host: string;
  readonly repository: string;
  readonly tag: string;
}

/** A first path component is a registry host when it looks like one (a dot, a port, or localhost). */
const looksLikeHost = (component: string): boolean =>
  component.includes(".") || component.includes(":") || component === "localhost";

export function parseImageReference(image: string): ImageReference {
  if (image.includes("@")) throw new Error(`image reference ${JSON.stringify(image)} already names a digest`);
  const slash = image.indexOf("/");
  const first = slash < 0 ? "" : image.slice(0, slash);
  if (!looksLikeHost(first)) {
    throw new Error(`image reference ${JSON.stringify(image)} does not start with a registry host (DOCKER_REGISTRY)`);
  }
  const rest = image.slice(slash + 1);
  // The tag is after the last colon of the last path component (a host may have a port colon too).
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.indexOf(":", lastSlash + 1);
  const repository = colon < 0 ? rest : rest.slice(0, colon);
  const tag = colon < 0 ? "latest" : rest.slice(colon + 1);
  if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(repository)) {
    throw new Error(`image reference ${JSON.stringify(image)} has an invalid repository name`);
  }
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) {
    throw new Error(`image reference ${JSON.stringify(image)} has an invalid tag`);
  }
  return { host: first, repository, tag };
}

/**
 * The registry's base URL. Loopback registries are spoken to over plain HTTP, as docker itself
 * does (127.0.0.0/8 and localhost are insecure registries by default); every other host over HTTPS.
 */
export function registryBaseUrl(host: string): string {
  const name = host.replace(/:\d+$/, "");
  const loopback = name === "localhost" || /^127\.\d+\.\d+\.\d+$/.test(name) || name === "[::1]";
  return `${loopback ? "http" : "https"}://${host}`;
}
