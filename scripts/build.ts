/**
 * `npm run build`: compiles the runtime code (common, controller, agent, runtime-drivers, gen, cli)
 * to plain JavaScript in dist/ with tsc (tsconfig.build.json), bundles the dashboard, copies the
 * files the code reads at run time next to the modules that read them (so paths relative to
 * import.meta.url resolve the same from dist/ as from the source tree), and writes
 * dist/build-info.json with the git commit the build was made from. `rap` then runs as
 * `node dist/cli/main.js`, with no TypeScript loader. `npm pack` then ships dist/ (package.json
 * "files"); packArtefact does the same from a staging copy so tests never race the checkout's dist/.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { BUILD_INFO_FILE } from "../common/build-info.js";
import { buildDashboard } from "./build-dashboard.js";

const root = path.resolve(import.meta.dirname, "..");

/**
 * Files the runtime code reads relative to its own module (source path = path under dist/). The
 * dashboard is bundled straight into dist/dashboard/dist, where controller/dashboard/ looks for it.
 */
const RUNTIME_FILES = ["controller/store/migrations", "controller/rest/openapi.json"] as const;

function gitCommit(): string | undefined {
  try {
    const commit = execFileSync("git", ["rev-parse", "HEAD"], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    return commit.trim() || undefined;
  } catch {
    return undefined; // built from an unpacked tarball or an export: no commit to report
  }
}

/** Builds into `dist` (the checkout's dist/ by default) and returns it. */
export async function build(dist = path.join(root, "dist")): Promise<string> {
  rmSync(dist, { recursive: true, force: true });
  const tsc = path.join(root, "node_modules/typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json", "--outDir", dist], { cwd: root, stdio: "inherit" });
  await buildDashboard(path.join(dist, "dashboard/dist"));
  for (const file of RUNTIME_FILES) {
    const from = path.join(root, file);
    if (!existsSync(from)) throw new Error(`runtime file missing: ${file}`);
    cpSync(from, path.join(dist, file), { recursive: true });
  }
  const commit = gitCommit();
  writeFileSync(path.join(dist, BUILD_INFO_FILE), `${JSON.stringify({ commit: commit ?? null }, null, 2)}\n`);
  chmodSync(path.join(dist, "cli/main.js"), 0o755);
  return dist;
}

/**
 * Builds into a staging copy of the package (package.json, README.md, dist/) and runs `npm pack`
 * there: the same tarball `npm run build && npm pack` gives, written to `destination`.
 */
export async function packArtefact(destination: string): Promise<string> {
  const stage = mkdtempSync(path.join(tmpdir(), "rap-pack-"));
  try {
    await build(path.join(stage, "dist"));
    for (const file of ["package.json", "README.md"]) copyFileSync(path.join(root, file), path.join(stage, file));
    const out = execFileSync("npm", ["pack", "--json", "--pack-destination", destination], { cwd: stage, encoding: "utf8" });
    const [packed] = JSON.parse(out) as { filename: string }[];
    if (!packed) throw new Error(`npm pack printed no file: ${out}`);
    return path.join(destination, packed.filename);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  build().then(
    (out) => process.stdout.write(`built ${path.relative(root, out)}/\n`),
    (error: unknown) => {
      process.stderr.write(`build failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
