/**
 * `npm run fuzz [-- <requests>]`: the RAP API fuzzer (test/fuzz/rap-fuzz.ts) against a real
 * controller on 127.0.0.1 with a real study repository, 100,000 requests by default. Prints the
 * counts by status code and every broken invariant; exits 1 if any broke.
 */
import { fuzzRap, jobCounter } from "../test/fuzz/rap-fuzz.js";
import { startController } from "../test/support/controller-harness.js";
import { createStudyRepo, TWO_ACTION_STUDY } from "../test/support/study-repo.js";

const runs = Number(process.argv[2] ?? 100_000);
if (!Number.isInteger(runs) || runs <= 0)
  throw new Error(`the number of requests must be a positive whole number, got '${process.argv[2]}'`);
const controller = await startController();
try {
  const started = Date.now();
  const report = await fuzzRap(
    { url: controller.url, repo: createStudyRepo(TWO_ACTION_STUDY), countJobs: jobCounter(controller) },
    { runs },
  );
  const byStatus = Object.fromEntries(Object.entries(report.byStatus).sort(([a], [b]) => Number(a) - Number(b)));
  console.log(
    JSON.stringify({
      requests: report.requests,
      seconds: Math.round((Date.now() - started) / 1000),
      by_status: byStatus,
      violations: report.violations.length,
    }),
  );
  for (const violation of report.violations.slice(0, 50)) console.log(violation);
  process.exitCode = report.violations.length === 0 ? 0 : 1;
} finally {
  await controller.dispose();
}
