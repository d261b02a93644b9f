#!/usr/bin/env bash
# `npm run test:node24`: runs the unit project and a few integration files on Node 24 LTS (the
# production target) on a machine whose own node may be 20. The runtime comes from the npm
# registry (scripts/node-lts.sh). Native modules are built for Node 24 in a copy of the tree, never
# in the checkout's node_modules (that one stays built for the machine's node): the copy's
# node_modules links every package to the checkout's except better-sqlite3 and node-pty, which are
# real copies rebuilt against Node 24's headers. Extra arguments replace the default test files.
#   RAP_CACHE_DIR (default ~/.cache/rap-runner) holds the runtime and the tree copy.
#   RAP_NODE24_REPORT_DIR: each vitest run also writes its JSON report there (unit.json,
#   integration.json, or args.json with arguments), which `npm test` (scripts/test.sh) counts.
#
# What runs on 24 without arguments: the whole suite, both vitest projects (unit, then
# integration with the docker, podman and kubernetes driver files), as on the machine's node.
# Node 24 is the production target, so nothing is left to run only on the development line.
set -euo pipefail
cd "$(dirname "$0")/.."
node_dir="$(bash scripts/node-lts.sh)"
node24="$node_dir/bin/node"
cache="${RAP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rap-runner}"
tree="$cache/tree-node-$("$node24" --version)"
modules="$(readlink -f node_modules)"
native=(better-sqlite3 node-pty)

mkdir -p "$tree"
# The sources as they are now (tracked and new files, and the built dashboard).
{ git ls-files -co --exclude-standard; [ -d dashboard/dist ] && find dashboard/dist -type f; } |
  while IFS= read -r file; do [ -f "$file" ] && printf '%s\0' "$file"; done |
  tar --null -T - -cf - | tar -xf - -C "$tree"

# The copy's own git repository holding the checkout's HEAD commit, for what reads the commit
# (the build's build-info.json, packed-install's expected version); only that commit, depth 1.
[ -d "$tree/.git" ] || git -C "$tree" init --quiet
git -C "$tree" fetch --quiet --depth 1 "file://$PWD" HEAD
git -C "$tree" update-ref HEAD FETCH_HEAD

mkdir -p "$tree/node_modules"
for entry in "$modules"/* "$modules"/.bin; do
  name="$(basename "$entry")"
  case " ${native[*]} " in *" $name "*) continue ;; esac
  ln -sfn "$entry" "$tree/node_modules/$name"
done
stamp="$tree/node_modules/.native-built-for"
want="$("$node24" --version) $(cd "$modules" && cat better-sqlite3/package.json node-pty/package.json | sha1sum)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  for name in "${native[@]}"; do
    rm -rf "$tree/node_modules/$name"
    cp -a "$modules/$name" "$tree/node_modules/$name"
    rm -rf "$tree/node_modules/$name/build"
  done
  echo "[node24] building ${native[*]} for node $("$node24" --version) (a minute or two)" >&2
  npm_cli="$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js"
  # npm under Node 24 with its headers: node-gyp compiles offline against include/node.
  (cd "$tree" && PATH="$node_dir/bin:$PATH" npm_config_nodedir="$node_dir" \
    "$node24" "$npm_cli" rebuild --ignore-scripts=false --foreground-scripts=false "${native[@]}")
  echo "$want" >"$stamp"
fi

# With arguments: vitest on those; without: the unit project, then the integration project.
# npm (run by packed-install) finds Node 24 first on PATH and compiles against its headers.
report_dir="${RAP_NODE24_REPORT_DIR:-}"
vitest() {
  local report="$1"; shift
  local reporters=()
  [ -n "$report_dir" ] && reporters=(--reporter=default --reporter=json "--outputFile.json=$report_dir/$report.json")
  PATH="$node_dir/bin:$PATH" npm_config_nodedir="$node_dir" \
    "$node24" node_modules/vitest/vitest.mjs run --config test/vitest.config.ts "${reporters[@]}" "$@"
}
cd "$tree"
echo "[node24] $("$node24" --version) in $tree" >&2
if [ "$#" -gt 0 ]; then
  vitest args "$@"
else
  status=0
  vitest unit --project unit || status=1
  vitest integration --project integration || status=1
  exit "$status"
fi
