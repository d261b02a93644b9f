#!/usr/bin/env bash
# Builds the rap-runner image (deploy/Containerfile) as rap-runner:<version> with docker (or the
# runtime named by $1: docker or podman).
#  1. The base, rap-runner-base:bookworm, if the runtime lacks it: a minimal Debian bookworm made
#     with debootstrap (needs root and a Debian mirror; RAP_BASE_ROOTFS=DIR imports a root
#     filesystem made earlier instead), trimmed of docs and caches, then `import`ed.
#  2. The Node LTS runtime from the npm registry (scripts/node-lts.sh).
#  3. The packed artefact (npm run build + npm pack, from a staging copy), installed with npm
#     running on that Node LTS, dev packages omitted, install scripts not run.
#  4. The multi-stage image build on top of the base, with those, npm and the prune script as the
#     context: its build stage compiles the native modules and prunes node_modules (see the
#     Containerfile). The compilers' stage is tagged rap-runner-toolchain:bookworm (built once,
#     kept like the base); the other stages' images and the image this build replaced are removed.
# Prints the image name last. Environment: RAP_IMAGE_TAG (default rap-runner:<package version>),
# DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail
cd "$(dirname "$0")/.."
runtime="${1:-docker}"
version="$(node -p 'require("./package.json").version')"
image="${RAP_IMAGE_TAG:-rap-runner:$version}"
base="rap-runner-base:bookworm"
toolchain="rap-runner-toolchain:bookworm"
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
mkdir -p "$context/node" "$context/rap-runner"
cp -a "$node_dir/bin" "$node_dir/include" "$context/node/"
npm_cli="$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js"
cp -a "$(dirname "$npm_cli")/.." "$context/npm"
cp deploy/prune-node-modules.sh "$context/"

echo "[image] packing the artefact and installing its JavaScript (node $("$node_dir/bin/node" --version))" >&2
tarball="$(npx tsx -e 'import("./scripts/build.ts").then(async (m) => console.log(await m.packArtefact(process.argv[1])))' "$context")"
# --ignore-scripts: nothing is compiled here; the Containerfile's build stage compiles the native
# modules against the context's Node headers.
(cd "$context/rap-runner" && PATH="$node_dir/bin:$PATH" \
  "$node_dir/bin/node" "$npm_cli" install --prefix . --omit=dev --ignore-scripts --prefer-offline --no-audit --no-fund \
  --loglevel=error "$tarball" >&2)
rm -f "$tarball"

build() { "$runtime" build --quiet --force-rm -f deploy/Containerfile --build-arg "BASE=$base" --build-arg "VERSION=$version" "$@" "$context" >&2; }
if ! "$runtime" image inspect "$toolchain" >/dev/null 2>&1; then
  echo "[image] installing the compilers into $toolchain (once)" >&2
  build --target toolchain -t "$toolchain"
fi
previous="$("$runtime" image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)"
echo "[image] building $image" >&2
build -t "$image"
# The build and rootfs stages' images (untagged, labelled in the Containerfile) and the image this
# one replaced under its tag, unless something still uses it.
"$runtime" image prune --force --filter label=org.opensafely.rap-runner.stage=build >/dev/null
if [ -n "$previous" ] && [ "$previous" != "$("$runtime" image inspect --format '{{.Id}}' "$image")" ]; then
  "$runtime" image rm "$previous" >/dev/null 2>&1 || true
fi
echo "$image"
