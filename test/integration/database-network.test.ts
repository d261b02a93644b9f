/**
 * Database jobs reach the database, by host name, and nothing else does. A real PostgreSQL server
 * listens on the docker bridge's gateway only; the agent's DATABASE_URL names it by a host name
 * the job's container cannot look up (DNS points at a TEST-NET address), so the job finds it only
 * through the `--add-host` entry the agent pins. The database job speaks PostgreSQL's protocol to
 * it (a startup message, answered by the server's SCRAM challenge); the other job, on
 * `--network none`, reaches neither the name nor the address. A real `rap controller` creates the
 * jobs; the agent runs in process so the test can give it a resolver that knows the host name
 * (the one part of a backend's network a test cannot create).
 *
 * The same run shows every database secret reaching the database job's environment (the job
 * writes a digest of each, never the value) and appearing nowhere else: not in any metadata or
 * log file on the backend, not in the controller's database, not in the RAP API's answers, not in
 * the controller's log.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { jobId } from "../../controller/jobs/ids.js";
import { createExecutor } from "../../agent/executor-factory.js";
import { createAgentLogger } from "../../agent/logger.js";
import { agentConfig, startAgent } from "../support/agent-harness.js";
import { AGENT_TOKEN, createBody, rest } from "../support/controller-harness.js";
import { spawnController } from "../support/controller-process.js";
import { networkGateway, postgresBinDir, startPostgres } from "../support/postgres-server.js";
import { createStudyRepo } from "../support/study-repo.js";
import { waitFor } from "../support/wait-for.js";

const RAP_ID = randomBytes(8).toString("hex");
const DB_HOST = "ehr-db.backend.test";
const DB_PASSWORD = `pw-${randomBytes(12).toString("hex")}`;
const SECRETS = {
  TEMP_DATABASE_NAME: `temp-${randomBytes(10).toString("hex")}`,
  EMIS_ORGANISATION_HASH: `hash-${randomBytes(16).toString("hex")}`,
  PRESTO_TLS_KEY: `-----BEGIN PRIVATE KEY-----\n${randomBytes(30).toString("base64")}\n-----END PRIVATE KEY-----\n`,
  PRESTO_TLS_CERT: `-----BEGIN CERTIFICATE-----\n${randomBytes(30).toString("base64")}\n-----END CERTIFICATE-----\n`,
};

/** PostgreSQL's startup message for user `researcher` and database `ehr`, as busybox printf escapes. */
const STARTUP = String.raw`\000\000\000\046\000\003\000\000user\000researcher\000database\000ehr\000\000`;
/** Speaks to the database by name and records what answered; `tr` keeps the reply's readable part. */
const probe = (target: string) => `printf '${STARTUP}' | nc -w 3 ${target} 2>&1 | tr -c 'A-Za-z0-9 :-' '.'`;

const digest = (value: string) => createHash("sha256").update(value).digest("hex");

function study(port: number, gateway: string): Record<string, string> {
  const digests = [...Object.keys(SECRETS), "DATABASE_URL"]
    .map((name) => `printf '%s' "$${name}" | sha256sum | sed 's/ .*//;s/^/${name}=/' >> output/dataset.csv`)
    .join("\n");
  return {
    "project.yaml": [
      'version: "5.0"',
      "actions:",
      "  extract:",
      "    run: ehrql:v1 generate-dataset analysis/dataset_definition.py --output output/dataset.csv",
      "    outputs:",
      "      highly_sensitive:",
      "        dataset: output/dataset.csv",
      "  report:",
      "    run: python:v2 analysis/report.sh",
      "    outputs:",
      "      moderately_sensitive:",
      "        probe: output/probe.txt",
      "",
    ].join("\n"),
    "analysis/dataset_definition.py": "# stand-in\n",
    "generate-dataset": `mkdir -p output\necho "reply=$(${probe(`${DB_HOST} ${port}`)})" > output/dataset.csv\n${digests}\necho done\n`,
    "analysis/report.sh": [
      "mkdir -p output",
      `echo "by name: $(${probe(`${DB_HOST} ${port}`)})" > output/probe.txt`,
      `echo "by address: $(${probe(`${gateway} ${port}`)})" >> output/probe.txt`,
      "",
    ].join("\n"),
  };
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((name) => path.join(dir, name))
    .filter((file) => statSync(file).isFile());
}

describe.skipIf(postgresBinDir() === undefined)("database jobs on the database network", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it("reach a real PostgreSQL server by host name with DNS blocked; other jobs reach nothing; secrets go only to the job", async () => {
    const gateway = await networkGateway("bridge");
    const server = await startPostgres({ host: gateway, user: "researcher", password: DB_PASSWORD, database: "ehr" });
    cleanups.push(() => server.stop());
    const databaseUrl = `postgresql://researcher:${DB_PASSWORD}@${DB_HOST}:${server.port}/ehr`;

    const workdir = mkdtempSync(path.join(tmpdir(), "rap-dbnet-"));
    const controller = await spawnController(workdir, 0);
    cleanups.push(() => controller.kill("SIGKILL"));
    const keyFile = path.join(workdir, "presto.key");
    const certFile = path.join(workdir, "presto.crt");
    writeFileSync(keyFile, SECRETS.PRESTO_TLS_KEY);
    writeFileSync(certFile, SECRETS.PRESTO_TLS_CERT);
    const config = agentConfig(controller.url, {
      AGENT_TOKEN,
      DATABASE_ACCESS_NETWORK: "bridge",
      DEFAULT_DATABASE_URL: databaseUrl,
      TEMP_DATABASE_NAME: SECRETS.TEMP_DATABASE_NAME,
      EMIS_ORGANISATION_HASH: SECRETS.EMIS_ORGANISATION_HASH,
      PRESTO_TLS_KEY_PATH: keyFile,
      PRESTO_TLS_CERT_PATH: certFile,
    });
    const resolved: string[] = [];
    const resolveHost = (host: string) => {
      resolved.push(host);
      return host === DB_HOST ? Promise.resolve(gateway) : Promise.reject(new Error(`unknown host ${host}`));
    };
    const log = createAgentLogger("error", { backend: config.backend });
    const agent = startAgent(config, createExecutor(config, log, { resolveHost }));
    cleanups.push(() => agent.stop());

    const repo = createStudyRepo(study(server.port, gateway));
    const body = createBody({ rap_id: RAP_ID, repo_url: repo.path, commit: repo.commit, requested_actions: ["run_all"] });
    expect((await rest(controller, "POST", "/controller/v1/rap/create/", body)).status).toBe(201);
    const statusBody = await waitFor(
      async () => {
        const response = await rest(controller, "POST", "/controller/v1/rap/status/", { rap_ids: [RAP_ID] });
        const jobs = (response.json as { jobs: { action: string; status: string }[] }).jobs;
        return jobs.length === 2 && jobs.every((job) => job.status === "succeeded" || job.status === "failed")
          ? response.text
          : undefined;
      },
      { timeoutMs: 90_000, message: "both jobs to finish" },
    );
    const jobs = (JSON.parse(statusBody) as { jobs: { action: string; status: string; status_message: string }[] }).jobs;
    expect(jobs.map((job) => [job.action, job.status, job.status_message]).sort()).toEqual([
      ["extract", "succeeded", "Completed successfully"],
      ["report", "succeeded", "Completed successfully"],
    ]);
    // The agent looked the host up once, for the one database job.
    expect(resolved).toEqual([DB_HOST]);

    const workspace = path.join(config.storage.highPrivacyDir, "workspaces/workspace");
    const dataset = readFileSync(path.join(workspace, "output/dataset.csv"), "utf8").split("\n");
    // PostgreSQL answered the startup message with its SCRAM challenge: 'R', length, type 10, mechanism.
    expect(dataset[0]).toBe("reply=R........SCRAM-SHA-256..");
    expect(dataset.slice(1, -1)).toEqual([
      ...Object.entries(SECRETS).map(([name, value]) => `${name}=${digest(value)}`),
      `DATABASE_URL=${digest(databaseUrl)}`,
    ]);
    // The other job: no name to look up, and no route to the address.
    expect(readFileSync(path.join(workspace, "output/probe.txt"), "utf8")).toBe(
      [
        `by name: nc: bad address .${DB_HOST}..`,
        `by address: nc: can.t connect to remote host .${gateway}.: Network is unreachable.`,
        "",
      ].join("\n"),
    );

    // Nowhere but the job's environment: not in the backend's metadata or log files (outputs
    // aside), not in the controller's database, its API answers or its log.
    await agent.stop();
    await controller.kill("SIGTERM");
    // TEMP_DATABASE_NAME names a database and is no secret: upstream keeps it readable in the
    // container environment recorded in metadata.json, and so do we (it is checked there below).
    const { TEMP_DATABASE_NAME: tempDatabaseName, ...secretValues } = SECRETS;
    const values = { ...secretValues, DATABASE_URL: databaseUrl, DB_PASSWORD };
    const places: [string, string][] = [
      ...[config.storage.highPrivacyDir, config.storage.mediumPrivacyDir]
        .flatMap(filesUnder)
        .filter((file) => !file.endsWith("output/dataset.csv"))
        .map((file): [string, string] => [file, readFileSync(file, "latin1")]),
      ...filesUnder(workdir)
        .filter((file) => path.basename(file).startsWith("db.sqlite"))
        .map((file): [string, string] => [file, readFileSync(file, "latin1")]),
      ["RAP status answer", statusBody],
      ["controller log", controller.output()],
    ];
    expect(places.some(([file]) => file.endsWith("metadata.json"))).toBe(true);
    expect(places.some(([file]) => file.endsWith("db.sqlite"))).toBe(true);
    const leaks = places.flatMap(([place, text]) =>
      Object.entries(values)
        .filter(([, value]) =>
          [value, value.trim(), ...value.split("\n").filter((line) => line.length > 20)].some((form) => text.includes(form)),
        )
        .map(([name]) => `${name} in ${place}`),
    );
    expect(leaks).toEqual([]);
    const metadata = places.find(
      ([file]) =>
        file.includes("/logs/") && file.endsWith("metadata.json") && file.includes(`os-job-${jobId(RAP_ID, "extract")}`),
    );
    const env = (JSON.parse(metadata?.[1] ?? "{}") as { container_metadata?: { Config?: { Env?: string[] } } }).container_metadata
      ?.Config?.Env;
    expect(
      env
        ?.filter((line) => /^(DATABASE_URL|TEMP_DATABASE_NAME|EMIS_ORGANISATION_HASH|PRESTO_TLS_KEY|PRESTO_TLS_CERT)=/.test(line))
        .sort(),
    ).toEqual([
      "DATABASE_URL=xxxx-REDACTED-xxxx",
      "EMIS_ORGANISATION_HASH=xxxx-REDACTED-xxxx",
      "PRESTO_TLS_CERT=xxxx-REDACTED-xxxx",
      "PRESTO_TLS_KEY=xxxx-REDACTED-xxxx",
      `TEMP_DATABASE_NAME=${tempDatabaseName}`,
    ]);
  });
});
