#!/usr/bin/env bash
# `npm run bench`: every benchmark, one run each; figures as percentiles and ratios (no assertions).
set -euo pipefail
cd "$(dirname "$0")/.."
export npm_config_nodedir="${npm_config_nodedir:-/usr}"
bash scripts/setup.sh --podman
echo "== project.yaml: parse + plan run_all of a 300-action project"
node --import tsx test/bench/plan.bench.ts
echo "== dispatch latency"
node --import tsx test/bench/dispatch.bench.ts "${BENCH_DISPATCH_JOBS:-200}"
echo "== agent-side job overhead vs a bare container run"
node --import tsx test/bench/executor.bench.ts "${BENCH_EXECUTOR_JOBS:-20}"
