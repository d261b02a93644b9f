/**
 * Glob matching inside a job's volume with the semantics of Python 3.12 `pathlib.Path.glob`, which
 * is what upstream uses for output patterns: `*` matches any run of characters within one path
 * segment (dot-files included, case-sensitive), a whole `**` segment means "this folder and every
 * folder below it" (symlinked folders not descended), and only regular files are results.
 * `?` and `[` are literal: project validation allows only `*`.
 *
 * Unlike upstream this never leaves the volume: a `..` segment or an absolute pattern matches
 * nothing, and every symlink (to a file or a folder) is resolved and dropped unless its target is
 * inside the volume.
 */
import type { Stats } from "node:fs";
import { readdir, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { isNotFound } from "./atomic-file.js";
import { compareCodePoints } from "./python-format.js";

/** Resolves `absolute` through any symlinks; undefined when missing or outside `realRoot`. */
async function resolveInside(realRoot: string, absolute: string): Promise<{ real: string; stats: Stats } | undefined> {
  let real: string;
  try {
    real = await realpath(absolute);
  } catch {
    return undefined;
  }
  if (real !== realRoot && !real.startsWith(realRoot + path.sep)) return undefined;
  try {
    return { real, stats: await stat(real) };
  } catch {
    return undefined;
  }
}

async function isDirInside(realRoot: string, absolute: string): Promise<boolean> {
  return (await resolveInside(realRoot, absolute))?.stats.isDirectory() === true;
}

async function listNames(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (isNotFound(error) || (error instanceof Error && "code" in error && error.code === "EACCES")) return [];
    throw error;
  }
}

/** Every folder at or below `rel` (relative, posix), without following symlinked folders. */
async function descendantDirs(root: string, rel: string): Promise<string[]> {
  const found = [rel];
  const entries = await readdir(path.join(root, rel), { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (entry.isDirectory()) found.push(...(await descendantDirs(root, joinRel(rel, entry.name))));
  }
  return found;
}

function joinRel(parent: string, name: string): string {
  return parent === "" ? name : `${parent}/${name}`;
}

function segmentMatcher(segment: string): (name: string) => boolean {
  if (!segment.includes("*")) return (name) => name === segment;
  const source = segment
    .split("*")
    .map((piece) => piece.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("[^]*");
  const regex = new RegExp(`^${source}$`);
  return (name) => regex.test(name);
}

/**
 * Splits a pattern into segments the way pathlib parses it (empty and `.` segments dropped), or
 * returns undefined when it can never match safely: empty, absolute, containing `..`, or ending in
 * `/` (which pathlib turns into "folders only").
 */
export function patternSegments(pattern: string): string[] | undefined {
  if (pattern === "" || pattern.startsWith("/") || pattern.endsWith("/") || pattern.includes("\0")) return undefined;
  const segments = pattern.split("/").filter((segment) => segment !== "" && segment !== ".");
  if (segments.length === 0 || segments.includes("..")) return undefined;
  return segments;
}

/** Relative paths (posix, sorted) of regular files in `volumeDir` matching `pattern`. */
export async function globVolume(volumeDir: string, pattern: string): Promise<string[]> {
  const segments = patternSegments(pattern);
  if (!segments) return [];
  const root = path.resolve(volumeDir);
  const realRoot = await realpath(root);
  let current = [""];
  for (const [index, segment] of segments.entries()) {
    const last = index === segments.length - 1;
    const next = new Set<string>();
    for (const rel of current) {
      if (segment === "**") {
        for (const dir of await descendantDirs(root, rel)) next.add(dir);
        continue;
      }
      const matches = segmentMatcher(segment);
      const names = segment.includes("*") ? await listNames(path.join(root, rel)) : [segment];
      for (const name of names) {
        if (!matches(name)) continue;
        const candidate = joinRel(rel, name);
        if (last || (await isDirInside(realRoot, path.join(root, candidate)))) next.add(candidate);
      }
    }
    current = [...next];
  }
  const files: string[] = [];
  for (const rel of current) {
    if (rel === "") continue;
    const resolved = await resolveInside(realRoot, path.join(root, rel));
    if (resolved?.stats.isFile()) files.push(rel);
  }
  return files.sort(compareCodePoints);
}

/**
 * Resolves a matched output to the real file to read from, re-checking that it is a regular file
 * inside the volume (the check is repeated at copy time rather than trusted from matching).
 */
export async function resolveVolumeFile(volumeDir: string, relative: string): Promise<string> {
  const realRoot = await realpath(path.resolve(volumeDir));
  const segments = patternSegments(relative);
  const resolved = segments ? await resolveInside(realRoot, path.join(realRoot, ...segments)) : undefined;
  if (!resolved?.stats.isFile()) throw new Error(`Output ${relative} is not a regular file inside the job volume`);
  return resolved.real;
}

/**
 * Every regular file in the volume (any depth, symlinked folders not descended, symlinks leaving
 * the volume ignored) whose modification time is later than `referenceMtimeNs`.
 */
export async function filesNewerThan(volumeDir: string, referenceMtimeNs: bigint): Promise<string[]> {
  const root = path.resolve(volumeDir);
  const realRoot = await realpath(root);
  const found: string[] = [];
  for (const dir of await descendantDirs(root, "")) {
    for (const name of await listNames(path.join(root, dir))) {
      const rel = joinRel(dir, name);
      const resolved = await resolveInside(realRoot, path.join(root, rel));
      if (!resolved?.stats.isFile()) continue;
      const { mtimeNs } = await stat(resolved.real, { bigint: true });
      if (mtimeNs > referenceMtimeNs) found.push(rel);
    }
  }
  return found.sort(compareCodePoints);
}
