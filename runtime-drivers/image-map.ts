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
