#!/usr/bin/env bash
# `npm test`: sets up what the tests need (npm deps, docker engine, podman config, stand-in images),
# then checks the proto contracts, generated code, types, lint and format, runs every test against
# real containers on the machine's node (20), then all of them again on Node 24 LTS, the production
# runtime (scripts/test-node24.sh). Ends with a
# plain "N passed, N failed" line: the tests of both Node lines, each from its vitest JSON report,
# and each check as one more passed or failed item.
set -uo pipefail
cd "$(dirname "$0")/.."
export npm_config_nodedir="${npm_config_nodedir:-/usr}"
bash scripts/setup.sh --podman || exit 1

step() { printf '\n== %s\n' "$*"; }
failed_steps=()
passed_steps=0
run_step() {
  local name="$1"; shift
  step "$name"
  if "$@"; then passed_steps=$((passed_steps + 1)); else failed_steps+=("$name"); fi
}

run_step "proto lint" npx buf lint
run_step "proto breaking (against main's previous contract)" bash scripts/check-proto-breaking.sh
run_step "generated code is up to date" bash -c 'npx buf generate && git diff --exit-code --stat -- gen/ && test -z "$(git status --porcelain -- gen/)"'
run_step "typecheck" npx tsc --noEmit -p tsconfig.json
run_step "typecheck dashboard" npx tsc --noEmit -p dashboard/tsconfig.json
run_step "layering (dependency-cruiser)" npm run --silent check:layers
run_step "lint" npx eslint --max-warnings 0 .
run_step "format" npx prettier --check .

reports="$(mktemp -d)"
trap 'rm -rf "$reports"' EXIT
step "tests (node $(node --version))"
npx vitest run --config test/vitest.config.ts --reporter=default --reporter=json --outputFile.json="$reports/node20.json"
tests_status_node20=$?
tests_status=$tests_status_node20
step "tests on Node 24 LTS (scripts/test-node24.sh)"
mkdir -p "$reports/node24"
RAP_NODE24_REPORT_DIR="$reports/node24" bash scripts/test-node24.sh
node24_status=$?
[ "$node24_status" -ne 0 ] && tests_status=1
# Per run: its exit status and its reports; a missing report (its run never started) is one failure.
summary=$(node -e '
  const fs = require("node:fs");
  const [checksPassed, checksFailed, ...runs] = process.argv.slice(1);
  let passed = 0;
  let failed = 0;
  for (const run of runs) {
    const [exitCode, ...files] = run.split(",");
    let runPassed = 0;
    let runFailed = 0;
    for (const file of files) {
      if (!fs.existsSync(file)) {
        runFailed += 1;
        continue;
      }
      const r = JSON.parse(fs.readFileSync(file, "utf8"));
      // A run that failed without a failed test (a suite that could not load, an unhandled error)
      // still counts as a failure in the summary line.
      const failedTests = r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0);
      runPassed += r.numPassedTests;
      runFailed += failedTests === 0 && !r.success ? 1 : failedTests;
    }
    // vitest exiting non-zero with no failed test (the run-wide container check, a crash) is a failure too.
    if (runFailed === 0 && Number(exitCode) !== 0) runFailed = 1;
    passed += runPassed;
    failed += runFailed;
  }
  console.log(`${passed + Number(checksPassed)} passed, ${failed + Number(checksFailed)} failed`);
' "$passed_steps" "${#failed_steps[@]}" "$tests_status_node20,$reports/node20.json" \
  "$node24_status,$reports/node24/unit.json,$reports/node24/integration.json")

if [ "${#failed_steps[@]}" -gt 0 ]; then
  printf '\nfailed checks: %s\n' "${failed_steps[*]}"
  tests_status=1
fi
echo
echo "$summary"
exit "$tests_status"
