#!/usr/bin/env bash
# `npm run bench`: every benchmark, one run each; figures as percentiles and ratios (no assertions).
# `npm run bench -- --json`: the same runs; the scale and telemetry benchmarks' figures go to stdout
# as one JSON document, {"scale": …, "telemetry": …, "fanout": …, "kubernetes": …}, and everything else (the other benchmarks'
# text) to stderr, for machines to read.
set -euo pipefail
cd "$(dirname "$0")/.."
export npm_config_nodedir="${npm_config_nodedir:-/usr}"
json=false
for arg in "$@"; do [[ "$arg" == "--json" ]] && json=true; done
text() { if $json; then "$@" >&2; else "$@"; fi; }
text bash scripts/setup.sh --podman
text echo "== project.yaml: parse + plan run_all of a 300-action project"
text node --import tsx test/bench/plan.bench.ts
text echo "== dispatch latency"
text node --import tsx test/bench/dispatch.bench.ts "${BENCH_DISPATCH_JOBS:-200}"
text echo "== agent-side job overhead vs a bare container run"
text node --import tsx test/bench/executor.bench.ts "${BENCH_EXECUTOR_JOBS:-20}"
text echo "== the kubernetes driver against the fake API server: API calls and overhead per job"
if $json; then
  kubernetes="$(node --import tsx test/bench/kubernetes.bench.ts --json "${BENCH_KUBERNETES_JOBS:-20}")"
else
  node --import tsx test/bench/kubernetes.bench.ts "${BENCH_KUBERNETES_JOBS:-20}"
fi
text echo "== the cost of metrics and tracing: off, metrics, metrics + tracing"
if $json; then
  telemetry="$(node --import tsx test/bench/telemetry.bench.ts --json --dispatch "${BENCH_TELEMETRY_JOBS:-100}")"
else
  node --import tsx test/bench/telemetry.bench.ts --dispatch "${BENCH_TELEMETRY_JOBS:-100}"
fi
text echo "== fan-out: 1,000 agents connecting, 100 watchers"
if $json; then
  fanout="$(node --import tsx test/bench/fanout.bench.ts --json --agents "${BENCH_AGENTS:-1000}" --watchers "${BENCH_WATCHERS:-100}")"
else
  node --import tsx test/bench/fanout.bench.ts --agents "${BENCH_AGENTS:-1000}" --watchers "${BENCH_WATCHERS:-100}"
fi
text echo "== scale: 0, 1,000 and 10,000 waiting jobs"
if $json; then
  scale="$(node --import tsx test/bench/scale.bench.ts --json --points "${BENCH_SCALE_POINTS:-0,1000,10000}")"
  printf '{"scale": %s, "telemetry": %s, "fanout": %s, "kubernetes": %s}\n' "$scale" "$telemetry" "$fanout" "$kubernetes"
else
  node --import tsx test/bench/scale.bench.ts --points "${BENCH_SCALE_POINTS:-0,1000,10000}"
fi
