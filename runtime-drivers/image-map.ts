/**
 * Image reference rewriting from an agent's `image_map`, for job and database-task images alike: an
 * exact image first, then the first entry ending in `/` that prefixes it (a registry moved to a
 * local mirror).
 */
export function mapImage(image: string, map: Readonly<Record<string, string>>): string {
  const exact = map[image];
  if (exact !== undefined) return exact;
  for (const [from, to] of Object.entries(map)) {
    if (from.endsWith("/") && image.startsWith(from)) return to + image.slice(from.length);
  }
  return image;
}

/**
 * The reference that runs exactly the digest a job was given: `name:tag@sha256:…` (docker, podman
 * and the kubelet all take the digest and ignore the tag, which stays for people reading it).
 * Without a digest (the controller does not resolve them) the tag itself.
 */
export function withDigest(image: string, digest: string | undefined | null): string {
  if (!digest || image.includes("@")) return image;
  return `${image}@${digest}`;
}
