/**
 * No configured secret reaches a log line. A real `rap controller` and a real `rap agent` (separate
 * processes, docker driver, LOG_LEVEL=debug) are configured with a secret in every setting that
 * holds one — two RAP client tokens, the agent token, the admin and dashboard tokens, the
 * private-repo token, the Stata licence, the OTLP exporter's headers, and two database URLs with
 * passwords — and run a study end to end: a database job that reads its DATABASE_URL and prints it
 * (its output must stay in the job's own log), a job that fails, scheduled database-status checks,
 * a dashboard login (right token, then a refused one that is another secret), admin calls (right
 * token, then a refused one) and a RAP API call presenting the admin token. Then every line either
 * process wrote, stdout and stderr, is searched for each secret as written, URL-encoded,
 * base64-encoded and JSON-escaped.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterEach, describe, expect, it } from "vitest";
import { jobId } from "../../controller/jobs/ids.js";
import { AdminService } from "../../gen/admin/v1/admin_pb.js";
import { agentConfig } from "../support/agent-harness.js";
import { spawnAgent, type AgentProcess } from "../support/agent-process.js";
import { createBody, rest } from "../support/controller-harness.js";
import { spawnController, type ControllerProcess } from "../support/controller-process.js";
import { startOtlpReceiver } from "../support/otlp-receiver.js";
import { createStudyRepo } from "../support/study-repo.js";
import { waitFor } from "../support/wait-for.js";

const secret = (name: string) => `${name}-${randomBytes(12).toString("hex")}`;
// Random per run: container names derive from the RAP id, and another test process may share docker.
const RAP_ID = randomBytes(8).toString("hex");

const CLIENT_TOKEN = secret("client");
const OTHER_CLIENT_TOKEN = secret("client2");
const AGENT_TOKEN = secret("agent");
const ADMIN_TOKEN = secret("admin");
const DASHBOARD_TOKEN = secret("dashboard");
const CONTROLLER_REPO_TOKEN = secret("repo-controller");
const AGENT_REPO_TOKEN = secret("repo-agent");
const STATA_LICENSE = secret("stata");
const OTEL_KEY = secret("otel");
// Passwords with characters a URL must encode, so the encoded and decoded forms both exist.
const DB_PASSWORD = `pw@${randomBytes(8).toString("hex")}/!`;
const T1OO_PASSWORD = `t1:${randomBytes(8).toString("hex")}#`;
const DATABASE_URL = `mssql://researcher:${encodeURIComponent(DB_PASSWORD)}@database:1433/ehr`;
const T1OO_DATABASE_URL = `mssql://t1oo:${encodeURIComponent(T1OO_PASSWORD)}@database-t1oo:1433/ehr`;

const SECRETS: Record<string, string> = {
  CLIENT_TOKEN,
  OTHER_CLIENT_TOKEN,
  AGENT_TOKEN,
  ADMIN_TOKEN,
  DASHBOARD_TOKEN,
  CONTROLLER_REPO_TOKEN,
  AGENT_REPO_TOKEN,
  STATA_LICENSE,
  OTEL_KEY,
  DB_PASSWORD,
  T1OO_PASSWORD,
  DATABASE_URL,
  T1OO_DATABASE_URL,
};

/** The forms in which a secret could be written: as is, URL-encoded, base64 (both alphabets), JSON-escaped. */
function encodings(value: string): string[] {
  const base64 = Buffer.from(value).toString("base64");
  return [
    ...new Set([
      value,
      encodeURIComponent(value),
      base64,
      base64.replace(/=+$/, ""),
      Buffer.from(value).toString("base64url"),
      JSON.stringify(value).slice(1, -1),
    ]),
  ];
}

const STUDY = {
  "project.yaml": [
    'version: "5.0"',
    "actions:",
    "  extract:",
    "    run: ehrql:v1 generate-dataset analysis/dataset_definition.py --output output/dataset.csv",
    "    outputs:",
    "      highly_sensitive:",
    "        dataset: output/dataset.csv",
    "  broken:",
    "    run: python:v2 analysis/broken.sh",
    "    outputs:",
    "      moderately_sensitive:",
    "        never: output/never.txt",
    "",
  ].join("\n"),
  "analysis/dataset_definition.py": "# stand-in\n",
  // The stand-in ehrql image runs this file: it prints the URL it was given (job output, high privacy).
  "generate-dataset": "mkdir -p output\necho \"connecting to $DATABASE_URL\"\nprintf 'patient_id\\n1\\n' > output/dataset.csv\n",
  "analysis/broken.sh": "echo about to fail\nexit 3\n",
};

interface ApiJob {
  action: string;
  status: string;
  status_code: string;
}

describe("secrets in the logs of an end-to-end run", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it("writes no configured secret, in any encoding, to any log line of the controller or the agent", async () => {
    const receiver = await startOtlpReceiver();
    cleanups.push(() => receiver.close());
    const otel = {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_HEADERS: `x-honeycomb-team=${OTEL_KEY}`,
      LOG_LEVEL: "debug",
      LOG_FORMAT: "json",
    };
    const workdir = mkdtempSync(path.join(tmpdir(), "rap-secrets-"));
    const controller: ControllerProcess = await spawnController(workdir, 0, {
      ...otel,
      TEST_CLIENT_TOKENS: `${CLIENT_TOKEN},${OTHER_CLIENT_TOKEN}`,
      TEST_AGENT_TOKEN: AGENT_TOKEN,
      RAP_ADMIN_TOKEN: ADMIN_TOKEN,
      DASHBOARD_TOKEN,
      PRIVATE_REPO_ACCESS_TOKEN: CONTROLLER_REPO_TOKEN,
      STATA_LICENSE,
      MAINTENANCE_ENABLED_BACKENDS: "test",
      MAINTENANCE_POLL_INTERVAL: "1",
      DBSTATUS_COMMAND: `-c "echo 'none;1'"`,
    });
    cleanups.push(() => controller.kill("SIGKILL"));
    const config = agentConfig(controller.url, { AGENT_TOKEN, DATABASE_ACCESS_NETWORK: "none" });
    const agent: AgentProcess = spawnAgent(
      { ...config, databaseUrls: { default: DATABASE_URL, include_t1oo: T1OO_DATABASE_URL } },
      { ...otel, PRIVATE_REPO_ACCESS_TOKEN: AGENT_REPO_TOKEN },
    );
    cleanups.push(() => agent.kill("SIGKILL"));

    const study = createStudyRepo(STUDY);
    const created = await rest(
      controller,
      "POST",
      "/controller/v1/rap/create/",
      createBody({ rap_id: RAP_ID, repo_url: study.path, commit: study.commit, requested_actions: ["run_all"] }),
      CLIENT_TOKEN,
    );
    expect(created.status).toBe(201);
    const jobs = await waitFor(
      async () => {
        const response = await rest(controller, "POST", "/controller/v1/rap/status/", { rap_ids: [RAP_ID] }, OTHER_CLIENT_TOKEN);
        const found = (response.json as { jobs: ApiJob[] }).jobs;
        return found.length === 2 && found.every((job) => job.status === "succeeded" || job.status === "failed")
          ? found
          : undefined;
      },
      { timeoutMs: 90_000, message: "both jobs to finish" },
    );
    expect(jobs.map((job) => [job.action, job.status, job.status_code]).sort()).toEqual([
      ["broken", "failed", "nonzero_exit"],
      ["extract", "succeeded", "succeeded"],
    ]);
    // The database job really had the URL: it is in the job's own log, on the backend, and only there.
    const highPrivacy = config.storage.highPrivacyDir;
    expect(readFileSync(path.join(highPrivacy, "workspaces/workspace/metadata/extract.log"), "utf8")).toContain(
      `connecting to ${DATABASE_URL}`,
    );

    // The dashboard: a login with its token, then one presenting another secret (refused).
    const login = (token: string) =>
      fetch(`${controller.url}/dashboard/login`, { method: "POST", body: JSON.stringify({ token }) });
    expect((await login(DASHBOARD_TOKEN)).status).toBe(200);
    expect((await login(ADMIN_TOKEN)).status).toBe(401);
    // Admin calls: with the admin token, then with a client token (refused).
    const admin = createClient(AdminService, createGrpcTransport({ baseUrl: controller.url, acceptCompression: [] }));
    const answer = await admin.getJob({ id: jobId(RAP_ID, "broken") }, { headers: { authorization: ADMIN_TOKEN } });
    expect(answer.job?.statusCode).toBe("nonzero_exit");
    await expect(admin.getFlags({ backend: "test" }, { headers: { authorization: CLIENT_TOKEN } })).rejects.toThrow(
      /unauthenticated|permission/i,
    );
    // The RAP API presented with the admin token: refused.
    expect((await rest(controller, "POST", "/controller/v1/rap/status/", { rap_ids: [RAP_ID] }, ADMIN_TOKEN)).status).toBe(401);

    // Both services stop as in production, so their shutdown lines (and the span export) are in the logs.
    await agent.kill("SIGTERM");
    await controller.kill("SIGTERM");
    const logs = { controller: controller.output(), agent: agent.output() };
    // The logs are the run's, at debug level, about these jobs.
    for (const output of Object.values(logs)) {
      expect(output).toContain(`"level":"debug"`);
      expect(output).toContain(jobId(RAP_ID, "extract"));
      expect(output).toContain(jobId(RAP_ID, "broken"));
    }
    expect(logs.controller).toContain(`"msg":"request served"`);
    expect(logs.controller).toContain(`"method":"POST","endpoint":"/controller/v1/rap/create/","status":201`);
    expect(logs.agent).toContain(`"msg":"task received"`);
    // The job's output stayed out of the agent's logs.
    expect(logs.agent).not.toContain("connecting to");
    expect(logs.agent).not.toContain("about to fail");

    const leaks: string[] = [];
    for (const [service, output] of Object.entries(logs)) {
      const lines = output.split("\n");
      for (const [name, value] of Object.entries(SECRETS)) {
        for (const form of encodings(value)) {
          const line = lines.find((candidate) => candidate.includes(form));
          if (line !== undefined) leaks.push(`${service}: ${name} as '${form}' in: ${line}`);
        }
      }
    }
    expect(leaks).toEqual([]);
  });
});
