#!/bin/sh
# Run by deploy/Containerfile's build stage on the installed prefix ($1, holding node_modules/rap-runner):
# removes from node_modules what the services never load, so the image carries only the runtime.
#  - Packages only redoc needs. The controller serves one file of redoc, its standalone bundle
#    (controller/rest/api-docs.ts); redoc's own dependencies (react, styled-components, core-js,
#    @redocly/..., about 50 MB) are what that bundle was built from. Redoc keeps its package.json
#    and bundles/redoc.standalone.js.
#  - Builds only bundlers read (build/esm, build/esnext that neither main nor a Node condition names).
#  - Source maps, TypeScript sources and declarations, Markdown (licences stay), the install's lock file.
#  - Native modules' build leftovers: other platforms' prebuilt binaries, compiler intermediates
#    and bundled C sources (the image never compiles).
set -eu
prefix="$1"
modules="$prefix/node_modules"

node - "$prefix" <<'EOF'
const fs = require("node:fs");
const path = require("node:path");
const root = path.resolve(process.argv[2]);
const modules = path.join(root, "node_modules");
/** Node's lookup of `name` from a package directory: its node_modules, then each parent's. */
function resolve(from, name) {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules", name);
    if (fs.existsSync(path.join(candidate, "package.json"))) return candidate;
    if (dir === root) return undefined;
  }
}
const reachable = new Set();
function visit(dir, skip) {
  if (reachable.has(dir)) return;
  reachable.add(dir);
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
  const names = Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.peerDependencies });
  for (const name of names) {
    if (skip.includes(name)) continue;
    const found = resolve(dir, name);
    if (found !== undefined) visit(found, []);
  }
}
visit(path.join(modules, "rap-runner"), ["redoc"]);
/** Every installed package directory, nested ones included. */
function packages(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).flatMap((entry) => {
    if (entry.startsWith(".")) return [];
    const full = path.join(dir, entry);
    if (entry.startsWith("@")) return packages(full);
    return [full, ...packages(path.join(full, "node_modules"))];
  });
}
const redoc = path.join(modules, "redoc");
let removed = 0;
for (const dir of packages(modules)) {
  if (reachable.has(dir) || dir === redoc || !fs.existsSync(dir)) continue;
  fs.rmSync(dir, { recursive: true, force: true });
  removed += 1;
}
for (const entry of fs.readdirSync(redoc)) {
  if (entry === "package.json" || entry === "LICENSE") continue;
  if (entry === "bundles") {
    for (const file of fs.readdirSync(path.join(redoc, entry))) {
      if (file !== "redoc.standalone.js") fs.rmSync(path.join(redoc, entry, file), { recursive: true, force: true });
    }
    continue;
  }
  fs.rmSync(path.join(redoc, entry), { recursive: true, force: true });
}
console.error(`[prune] removed ${removed} packages only redoc needs`);

// Builds only bundlers read (@opentelemetry's build/esm and build/esnext, named by the "module"
// and "esnext" conditions): removed where neither "main" nor a condition Node honours points into them.
const NODE_CONDITIONS = new Set(["node", "import", "require", "default"]);
function nodeTargets(exports) {
  if (typeof exports === "string") return [exports];
  if (exports === null || typeof exports !== "object") return [];
  return Object.entries(exports).flatMap(([key, value]) =>
    key.startsWith(".") || NODE_CONDITIONS.has(key) ? nodeTargets(value) : [],
  );
}
let builds = 0;
for (const dir of packages(modules)) {
  if (!fs.existsSync(path.join(dir, "package.json"))) continue;
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
  const targets = [pkg.main, ...nodeTargets(pkg.exports)].filter((target) => typeof target === "string");
  const used = targets.map((target) => path.join(dir, target));
  for (const build of ["build/esm", "build/esnext"].map((sub) => path.join(dir, sub))) {
    if (!fs.existsSync(build) || used.some((target) => target.startsWith(build + path.sep))) continue;
    fs.rmSync(build, { recursive: true, force: true });
    builds += 1;
  }
}
console.error(`[prune] removed ${builds} bundler-only builds`);
EOF

find "$modules" -type f \( -name '*.map' -o -name '*.ts' -o -name '*.mts' -o -name '*.cts' -o -iname '*.md' \) \
  ! -iname 'licen[cs]e*' -delete
find "$modules" -depth -type d -empty -delete
rm -f "$modules/.package-lock.json"
rm -rf "$modules/node-pty/prebuilds" "$modules/node-pty/deps" "$modules/node-pty/src" \
  "$modules/better-sqlite3/deps" "$modules/better-sqlite3/src"
for native in better-sqlite3 node-pty; do
  rm -rf "$modules/$native/build/Release/obj.target" "$modules/$native/build/Release/.deps" \
    "$modules/$native/build/Release/obj" "$modules/$native/build/Release/test_extension.node" \
    "$modules/$native/build/deps" "$modules/$native/build/node_gyp_bins"
done
