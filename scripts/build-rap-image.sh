#!/usr/bin/env bash
# Builds the rap-runner image (deploy/Containerfile) as rap-runner:<version> with docker (or the
# runtime named by $1: docker or podman).
#  1. The base, rap-runner-base:bookworm, if the runtime lacks it: a minimal Debian bookworm made
#     with debootstrap (needs root and a Debian mirror; RAP_BASE_ROOTFS=DIR imports a root
#     filesystem made earlier instead), trimmed of docs and caches, then `import`ed.
#  2. The Node LTS runtime from the npm registry (scripts/node-lts.sh).
#  3. The packed artefact (npm run build + npm pack, from a staging copy), installed with npm
#     running on that Node LTS, native modules compiled against its headers, dev packages omitted.
#  4. The image build on top of the base, with those two as the context.
# Prints the image name last. Environment: RAP_IMAGE_TAG (default rap-runner:<package version>),
# DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail
cd "$(dirname "$0")/.."
runtime="${1:-docker}"
version="$(node -p 'require("./package.json").version')"
image="${RAP_IMAGE_TAG:-rap-runner:$version}"
base="rap-runner-base:bookworm"
context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT

if ! "$runtime" image inspect "$base" >/dev/null 2>&1; then
  rootfs="${RAP_BASE_ROOTFS:-}"
  if [ -z "$rootfs" ]; then
    command -v debootstrap >/dev/null || { echo "[image] debootstrap is needed for the base (apt-get install debootstrap)" >&2; exit 1; }
    rootfs="$context/rootfs"
    echo "[image] debootstrap bookworm into $rootfs (a few minutes)" >&2
    debootstrap --variant=minbase --include=ca-certificates,git bookworm "$rootfs" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" >&2
  fi
  echo "[image] importing $rootfs as $base" >&2
  tar -C "$rootfs" \
    --exclude=./var/cache/apt/archives --exclude=./var/lib/apt/lists --exclude=./usr/share/doc \
    --exclude=./usr/share/man --exclude=./usr/share/locale --exclude=./usr/share/info \
    --exclude=./proc/* --exclude=./sys/* --exclude=./dev/* \
    -cf - . | "$runtime" import --change 'CMD ["/bin/bash"]' - "$base" >/dev/null
fi

node_dir="$(bash scripts/node-lts.sh)"
mkdir -p "$context/node/bin" "$context/rap-runner"
cp "$node_dir/bin/node" "$context/node/bin/node"

echo "[image] packing and installing the artefact on node $("$node_dir/bin/node" --version)" >&2
tarball="$(npx tsx -e 'import("./scripts/build.ts").then(async (m) => console.log(await m.packArtefact(process.argv[1])))' "$context")"
npm_cli="$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js"
(cd "$context/rap-runner" && PATH="$node_dir/bin:$PATH" npm_config_nodedir="$node_dir" \
  "$node_dir/bin/node" "$npm_cli" install --prefix . --omit=dev --prefer-offline --no-audit --no-fund \
  --loglevel=error "$tarball" >&2)
rm -f "$tarball"
# What only a rebuild or another platform needs: other platforms' prebuilt binaries, compiler
# intermediates and bundled C sources (the image never compiles).
modules="$context/rap-runner/node_modules"
rm -rf "$modules/node-pty/prebuilds" "$modules/better-sqlite3/deps" "$modules/better-sqlite3/src" \
  "$modules"/{better-sqlite3,node-pty}/build/Release/{obj.target,.deps,test_extension.node} \
  "$modules"/{better-sqlite3,node-pty}/build/{Release/obj,deps}

echo "[image] building $image" >&2
"$runtime" build --quiet -f deploy/Containerfile --build-arg "BASE=$base" --build-arg "VERSION=$version" -t "$image" "$context" >&2
echo "$image"
