#!/usr/bin/env bash
# `npm run demo`: sets up what is missing (npm deps, docker engine, stand-in images), then runs the
# all-in-one controller + agent and submits the bundled example study as job-server would.
set -euo pipefail
cd "$(dirname "$0")/.."
export npm_config_nodedir="${npm_config_nodedir:-/usr}"
bash scripts/setup.sh
exec node --import tsx scripts/demo.ts "$@"
