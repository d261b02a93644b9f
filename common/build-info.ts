/**
 * What this copy of rap-runner is: the version from its package.json and, when it was built by
 * `npm run build` from a git checkout, the commit (scripts/build.ts writes dist/build-info.json).
 * The package root is found by walking up from this module, so the same code works from the source
 * tree (common/) and from an installed package (node_modules/rap-runner/dist/common/).
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

export interface BuildInfo {
  readonly version: string;
  /** The git commit the build was made from; undefined when running from source or built outside git. */
  readonly commit: string | undefined;
}

/** The file `npm run build` writes next to the compiled code (dist/build-info.json). */
export const BUILD_INFO_FILE = "build-info.json";

function packageRoot(): string {
  for (let dir = import.meta.dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "package.json");
    if (existsSync(candidate)) {
      const parsed = JSON.parse(readFileSync(candidate, "utf8")) as { name?: unknown };
      if (parsed.name === "rap-runner") return dir;
    }
    if (path.dirname(dir) === dir) throw new Error(`no rap-runner package.json above ${import.meta.dirname}`);
  }
}

let cached: BuildInfo | undefined;

export function buildInfo(): BuildInfo {
  if (cached) return cached;
  const root = packageRoot();
  const { version } = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { version: string };
  const infoFile = path.join(root, "dist", BUILD_INFO_FILE);
  // Only a build run from this very package writes the file; a source checkout has none (or a stale
  // one from an earlier build, which is why the code running must be the dist code to trust it).
  const fromDist = import.meta.dirname.startsWith(path.join(root, "dist") + path.sep);
  const commit =
    fromDist && existsSync(infoFile)
      ? (JSON.parse(readFileSync(infoFile, "utf8")) as { commit?: string }).commit || undefined
      : undefined;
  cached = Object.freeze({ version, commit });
  return cached;
}

/** The version string services report: "0.1.0", or "0.1.0+g1a2b3c4d" (semver build metadata) when built from git. */
export function versionString(info: BuildInfo = buildInfo()): string {
  return info.commit === undefined ? info.version : `${info.version}+g${info.commit.slice(0, 12)}`;
}
