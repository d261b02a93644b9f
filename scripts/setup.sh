#!/usr/bin/env bash
# Installs and starts what the demo and the tests need on a fresh Debian machine with Node 20:
# npm dependencies, the docker engine (and podman with a working config), and local stand-in
# images for the built-in action images. Idempotent: every step is skipped when already done.
#   scripts/setup.sh            docker only
#   scripts/setup.sh --podman   docker and podman
set -euo pipefail
cd "$(dirname "$0")/.."
want_podman=0
[ "${1:-}" = "--podman" ] && want_podman=1
log() { printf '[setup] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# 1. npm dependencies (native modules compile from source here, so node-gyp needs local headers).
export npm_config_nodedir="${npm_config_nodedir:-/usr}"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm dependencies (npm ci; the first run compiles better-sqlite3, about a minute)"
  npm ci --no-audit --no-fund --loglevel=error
fi

# 2. Container engines from Debian's packages.
packages=()
command -v dockerd >/dev/null 2>&1 || packages+=(docker.io)
command -v busybox >/dev/null 2>&1 || [ -x /bin/busybox ] || packages+=(busybox-static)
[ "$want_podman" = 1 ] && ! command -v podman >/dev/null 2>&1 && packages+=(podman)
# podman's --init needs catatonit, which Debian only recommends.
[ "$want_podman" = 1 ] && ! command -v catatonit >/dev/null 2>&1 && packages+=(catatonit)
if [ "${#packages[@]}" -gt 0 ]; then
  log "installing ${packages[*]} with apt-get"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${packages[@]}" >/dev/null
fi

# 3. Start the docker daemon when nothing answers.
if ! docker info >/dev/null 2>&1; then
  log "starting dockerd (log: /var/log/dockerd.log)"
  as_root sh -c 'nohup setsid dockerd >/var/log/dockerd.log 2>&1 &'
  for _ in $(seq 1 120); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { log "dockerd did not start; see /var/log/dockerd.log"; exit 1; }
fi

# 4. Podman: rootful podman here cannot raise rlimits past the sandbox's hard limits.
if [ "$want_podman" = 1 ]; then
  conf=/etc/containers/containers.conf
  if ! grep -q default_ulimits "$conf" 2>/dev/null; then
    log "writing $conf (default_ulimits within this machine's hard limits)"
    as_root mkdir -p /etc/containers
    printf '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n' | as_root tee -a "$conf" >/dev/null
  fi
fi

# 5. Local stand-in images (no registry is reachable).
runtimes=(docker)
[ "$want_podman" = 1 ] && runtimes+=(podman)
bash scripts/build-images.sh "${runtimes[@]}"
log "ready"
