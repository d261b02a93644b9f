#!/usr/bin/env bash
# `npm test`: sets up what the tests need (npm deps, docker engine, podman config, stand-in images),
# then checks the proto contracts, generated code, types, lint and format, and runs every test
# against real containers. Ends with a plain "N passed, N failed" line that counts each check as
# one more passed or failed item, next to the tests.
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

step "tests"
report="$(mktemp -d)/vitest.json"
npx vitest run --config test/vitest.config.ts --reporter=default --reporter=json --outputFile.json="$report"
tests_status=$?
summary=$(node -e '
  const fs = require("node:fs");
  const [file, checksPassed, checksFailed, exitCode] = process.argv.slice(1).map((arg, i) => (i === 0 ? arg : Number(arg)));
  let passed = 0;
  let failed = 1;
  if (fs.existsSync(file)) {
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    // A run that failed without a failed test (a suite that could not load, an unhandled error)
    // still counts as a failure in the summary line.
    const failedTests = r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0);
    passed = r.numPassedTests;
    failed = failedTests === 0 && !r.success ? 1 : failedTests;
  }
  // vitest exiting non-zero with no failed test (the run-wide container check, a crash) is a failure too.
  if (failed === 0 && exitCode !== 0) failed = 1;
  console.log(`${passed + checksPassed} passed, ${failed + checksFailed} failed`);
' "$report" "$passed_steps" "${#failed_steps[@]}" "$tests_status")

if [ "${#failed_steps[@]}" -gt 0 ]; then
  printf '\nfailed checks: %s\n' "${failed_steps[*]}"
  tests_status=1
fi
echo
echo "$summary"
exit "$tests_status"
