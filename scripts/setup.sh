#!/usr/bin/env bash
# Installs and starts what the demo and the tests need on a fresh Debian machine with Node 20:
# npm dependencies, the docker engine (and podman), and local stand-in images named
# rap-standin/<name>:<tag>. It first prints every change it is going to make, then makes them;
# every step is skipped when already done. It writes no host-wide configuration: podman's sandbox
# setting lives in scripts/podman-sandbox.conf and is used through CONTAINERS_CONF.
#   scripts/setup.sh                 docker only
#   scripts/setup.sh --podman        docker and podman
#   scripts/setup.sh --dry-run ...   print the plan and change nothing
set -euo pipefail
cd "$(dirname "$0")/.."
want_podman=0
dry_run=0
for arg in "$@"; do
  case "$arg" in
    --podman) want_podman=1 ;;
    --dry-run) dry_run=1 ;;
    *) echo "usage: scripts/setup.sh [--podman] [--dry-run]" >&2; exit 2 ;;
  esac
done
log() { printf '[setup] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
export npm_config_nodedir="${npm_config_nodedir:-/usr}"

# What is missing, decided before anything changes.
need_npm=0
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then need_npm=1; fi
packages=()
command -v dockerd >/dev/null 2>&1 || packages+=(docker.io)
command -v busybox >/dev/null 2>&1 || [ -x /bin/busybox ] || packages+=(busybox-static)
[ "$want_podman" = 1 ] && ! command -v podman >/dev/null 2>&1 && packages+=(podman)
# Debian's chromium for the dashboard's browser tests (playwright-core drives it; no browser download).
[ "$want_podman" = 1 ] && ! command -v chromium >/dev/null 2>&1 && packages+=(chromium)
# The image test builds the rap-runner image on a Debian base made with debootstrap (no registry here).
[ "$want_podman" = 1 ] && ! command -v debootstrap >/dev/null 2>&1 && packages+=(debootstrap)
# podman's --init needs catatonit, which Debian only recommends.
[ "$want_podman" = 1 ] && ! command -v catatonit >/dev/null 2>&1 && packages+=(catatonit)
# A real PostgreSQL server for the database-network tests (test/support/postgres-server.ts starts its own cluster).
compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null || packages+=(postgresql)
# A real image registry (Docker's distribution) for the image digest tests; they start their own on
# 127.0.0.1 (test/support/image-registry.ts). The package's own service is turned off again below.
install_registry=0
[ "$want_podman" = 1 ] && ! command -v docker-registry >/dev/null 2>&1 && { packages+=(docker-registry); install_registry=1; }
need_dockerd=0
docker info >/dev/null 2>&1 || need_dockerd=1
runtimes=(docker)
[ "$want_podman" = 1 ] && runtimes+=(podman)

plan=()
[ "$need_npm" = 1 ] && plan+=("install npm dependencies into ./node_modules (npm ci; compiling better-sqlite3 takes about a minute)")
[ "${#packages[@]}" -gt 0 ] && plan+=("install Debian packages with apt-get: ${packages[*]}")
[ "$install_registry" = 1 ] && plan+=("stop and disable the docker-registry service that package may start (the tests run their own)")
if [ "$need_dockerd" = 1 ]; then
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    plan+=("start the docker service with systemctl")
  else
    plan+=("start dockerd in the background OUTSIDE any init system (no systemd here; log: /var/log/dockerd.log; it stops with the machine)")
  fi
fi
plan+=("build any missing stand-in images rap-standin/{python,r,ehrql,stata-mp,sqlrunner,jupyter,tpp-database-utils}:{v1,v2,latest} in ${runtimes[*]} (busybox, ~2 MB, labelled org.rap-runner.standin=true)")
if [ "${#plan[@]}" -gt 0 ]; then
  log "this set-up will:"
  for item in "${plan[@]}"; do log "  - $item"; done
fi
if [ "$dry_run" = 1 ]; then
  log "dry run: nothing changed"
  exit 0
fi

# 1. npm dependencies (native modules compile from source here, so node-gyp needs local headers).
[ "$need_npm" = 1 ] && npm ci --no-audit --no-fund --loglevel=error

# 2. Container engines from Debian's packages.
if [ "${#packages[@]}" -gt 0 ]; then
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${packages[@]}" >/dev/null
  if [ "$install_registry" = 1 ] && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    as_root systemctl disable --now docker-registry >/dev/null 2>&1 || true
  fi
fi

# 3. The docker daemon, through the init system when there is one.
if [ "$need_dockerd" = 1 ]; then
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    as_root systemctl start docker
  else
    as_root sh -c 'nohup setsid dockerd >/var/log/dockerd.log 2>&1 &'
  fi
  for _ in $(seq 1 120); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { log "dockerd did not start; see /var/log/dockerd.log"; exit 1; }
fi

# 4. Stand-in images (no registry is reachable); the demo and test configs map the real names to them.
bash scripts/build-images.sh "${runtimes[@]}"

# 5. Podman: say whether this machine needs the sandbox rlimit setting (it is never written to /etc).
if [ "$want_podman" = 1 ] && ! podman run --rm --network none rap-standin/python:v2 -c true >/dev/null 2>&1; then
  if CONTAINERS_CONF="$PWD/scripts/podman-sandbox.conf" podman run --rm --network none rap-standin/python:v2 -c true >/dev/null 2>&1; then
    log "podman here needs lower rlimits: run podman agents with CONTAINERS_CONF=$PWD/scripts/podman-sandbox.conf (the tests set it themselves)"
  else
    log "podman cannot run a container here, even with scripts/podman-sandbox.conf"
  fi
fi
# 6. The dashboard's static files (esbuild bundle the controller serves under /dashboard/).
npx tsx scripts/build-dashboard.ts >/dev/null
log "ready"
