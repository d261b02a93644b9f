#!/usr/bin/env bash
# `npm run test:node24`: runs the unit project and a few integration files on Node 24 LTS (the
# production target) on a machine whose own node may be 20. The runtime comes from the npm
# registry (scripts/node-lts.sh). Native modules are built for Node 24 in a copy of the tree, never
# in the checkout's node_modules (that one stays built for the machine's node): the copy's
# node_modules links every package to the checkout's except better-sqlite3 and node-pty, which are
# real copies rebuilt against Node 24's headers. Extra arguments replace the default test files.
#   RAP_CACHE_DIR (default ~/.cache/rap-runner) holds the runtime and the tree copy.
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

# With arguments: vitest on those; without: the unit project, then a few integration files.
vitest() { PATH="$node_dir/bin:$PATH" "$node24" node_modules/vitest/vitest.mjs run --config test/vitest.config.ts "$@"; }
cd "$tree"
echo "[node24] $("$node24" --version) in $tree" >&2
if [ "$#" -gt 0 ]; then
  vitest "$@"
else
  status=0
  vitest --project unit || status=1
  vitest test/integration/end-to-end.test.ts test/integration/lifecycle.test.ts test/integration/tls.test.ts \
    test/integration/backup.test.ts test/integration/agent-local.test.ts || status=1
  exit "$status"
fi
