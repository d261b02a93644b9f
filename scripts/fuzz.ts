/**
 * `npm run fuzz [-- <requests>]`: the RAP API fuzzer (test/fuzz/rap-fuzz.ts) against a real
 * controller on 127.0.0.1 with a real study repository, 100,000 requests by default. Prints the
 * counts by status code and every broken invariant; exits 1 if any broke.
 * `npm run fuzz -- --agent-stream [<streams>]`: the agent-stream fuzzer
 * (test/fuzz/agent-stream-fuzz.ts) instead, 5,000 streams by default, counted by how they ended.
 */
import { fuzzAgentStream } from "../test/fuzz/agent-stream-fuzz.js";
import { fuzzRap, jobCounter } from "../test/fuzz/rap-fuzz.js";
import { agentFuzzTarget } from "../test/support/agent-fuzz-target.js";
import { startController } from "../test/support/controller-harness.js";
import { createStudyRepo, TWO_ACTION_STUDY } from "../test/support/study-repo.js";

const agentStream = process.argv[2] === "--agent-stream";
const countArg = agentStream ? process.argv[3] : process.argv[2];
const runs = Number(countArg ?? (agentStream ? 5_000 : 100_000));
if (!Number.isInteger(runs) || runs <= 0)
  throw new Error(`the number of requests must be a positive whole number, got '${countArg}'`);
const controller = await startController();
try {
  if (agentStream) {
    const started = Date.now();
    const report = await fuzzAgentStream(agentFuzzTarget(controller), { runs });
    console.log(
      JSON.stringify({
        streams: report.cases,
        seconds: Math.round((Date.now() - started) / 1000),
        endings: report.endings,
        violations: report.violations.length,
      }),
    );
    for (const violation of report.violations.slice(0, 50)) console.log(violation);
    process.exitCode = report.violations.length === 0 ? 0 : 1;
  } else {
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
  }
} finally {
  await controller.dispose();
}
