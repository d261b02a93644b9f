/**
 * The main job: starts the all-in-one (controller + one agent on the local docker engine), puts the
 * bundled example study in a fresh git repository, submits it through the REST RAP API exactly as
 * job-server does (raw token, same JSON), prints every job state change as it happens, and ends by
 * printing where the output files are. Exits 0 when every job succeeded.
 */
import { spawn } from "node:child_process";
import { execFileSync } from "node:child_process";
import { cpSync, createWriteStream, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { stringify } from "yaml";
import { startFakeKubernetes } from "./fake-kubernetes-cluster.js";

const root = path.resolve(import.meta.dirname, "..");
const workdir = path.resolve(process.env.WORKDIR ?? path.join(root, "workdir"));
const token = process.env.DEMO_CLIENT_TOKEN ?? `demo-${randomBytes(8).toString("hex")}`;
const backend = "test";

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** A fresh git repository holding examples/study, committed on main. */
function prepareStudy(): { repo: string; commit: string } {
  const repo = path.join(workdir, "example-study");
  rmSync(repo, { recursive: true, force: true });
  cpSync(path.join(root, "examples/study"), repo, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync("git", ["-C", repo, "-c", "user.name=demo", "-c", "user.email=demo@example.com", ...args], {
      encoding: "utf8",
    }).trim();
  git("init", "--quiet", "--initial-branch=main");
  git("add", "-A");
  git("commit", "--quiet", "-m", "Example study");
  return { repo, commit: git("rev-parse", "HEAD") };
}

/**
 * `--driver kubernetes`: the fake Kubernetes API server (no real cluster is available here) with
 * its pods on the local docker engine, and an agent config that points the kubernetes driver at it.
 */
async function startKubernetes(): Promise<{ configFile: string; url: string; stop: () => Promise<void> }> {
  const dir = path.join(workdir, "fake-kubernetes");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const jobVolumes = path.join(dir, "job-volumes");
  const cluster = await startFakeKubernetes({ dir, namespace: "default", jobVolumes });
  const configFile = path.join(dir, "agent.yaml");
  writeFileSync(
    configFile,
    stringify({
      driver: { kind: "kubernetes", image_map: { "ghcr.io/opensafely-core/": "rap-standin/" } },
      kubernetes: {
        namespace: "default",
        server: cluster.url,
        job_volumes_claim: "rap-job-volumes",
        entrypoints: { default: ["/bin/sh"] },
      },
      storage: { volumes_dir: jobVolumes },
    }),
  );
  say(
    `fake Kubernetes API server (no real cluster) on ${cluster.url}: kubectl --server ${cluster.url} get jobs,pvc,networkpolicies`,
  );
  return { configFile, url: cluster.url, stop: () => cluster.dispose() };
}

async function startAllInOne(): Promise<{ url: string; stop: () => Promise<void> }> {
  mkdirSync(workdir, { recursive: true });
  const logFile = path.join(workdir, "all-in-one.log");
  const log = createWriteStream(logFile);
  const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "cli/main.ts"), "all-in-one"], {
    env: {
      ...process.env,
      WORKDIR: workdir,
      AGENT_CONFIG: agentConfigFile ?? process.env.AGENT_CONFIG ?? path.join(root, "examples/standin-agent.yaml"),
      PORT: process.env.PORT ?? "0",
      BACKENDS: backend,
      [`${backend.toUpperCase()}_CLIENT_TOKENS`]: token,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.pipe(log);
  const port = await new Promise<number>((resolve, reject) => {
    let seen = "";
    child.stderr.on("data", (chunk: Buffer) => {
      log.write(chunk);
      seen += chunk.toString();
      // The log is JSON lines (`"port":N,…,"msg":"controller listening"`) or pretty (`controller listening … port=N`).
      const match = /"port":(\d+)[^\n]*"msg":"controller listening"|controller listening .*port=(\d+)/.exec(seen);
      if (match) resolve(Number(match[1] ?? match[2]));
    });
    child.once("exit", (code) => reject(new Error(`all-in-one exited with ${code}; see ${logFile}`)));
  });
  say(`all-in-one controller + agent listening on http://127.0.0.1:${port} (log: ${path.relative(root, logFile)})`);
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

async function call(
  url: string,
  method: string,
  pathname: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${url}${pathname}`, {
    method,
    headers: { authorization: token, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

interface ApiJob {
  action: string;
  status: string;
  status_code: string;
  status_message: string;
}

function listFiles(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => path.join(entry.parentPath, entry.name))
      .sort();
  } catch {
    return [];
  }
}

let agentConfigFile: string | undefined;

async function main(): Promise<number> {
  const driverIndex = process.argv.indexOf("--driver");
  const driver = driverIndex >= 0 ? process.argv[driverIndex + 1] : undefined;
  if (driver !== undefined && driver !== "docker" && driver !== "kubernetes")
    throw new Error(`--driver must be docker or kubernetes, got ${driver}`);
  const kubernetes = driver === "kubernetes" ? await startKubernetes() : undefined;
  agentConfigFile = kubernetes?.configFile;
  const study = prepareStudy();
  say(`example study: ${path.relative(root, study.repo)} @ ${study.commit.slice(0, 12)}`);
  const server = await startAllInOne().catch(async (error: unknown) => {
    await kubernetes?.stop();
    throw error;
  });
  try {
    const rapId = randomBytes(8).toString("hex");
    const workspace = "example";
    const request = {
      backend,
      rap_id: rapId,
      workspace,
      repo_url: study.repo,
      branch: "main",
      commit: study.commit,
      database_name: "default",
      requested_actions: ["run_all"],
      codelists_ok: true,
      force_run_dependencies: false,
      created_by: "demo",
      project: "demo",
      orgs: ["demo"],
    };
    const created = await call(server.url, "POST", "/controller/v1/rap/create/", request);
    say(`POST /controller/v1/rap/create/ -> ${created.status} ${JSON.stringify(created.json)}`);
    if (created.status !== 201) return 1;

    const seen = new Map<string, string>();
    const started = Date.now();
    for (;;) {
      const status = await call(server.url, "POST", "/controller/v1/rap/status/", { rap_ids: [rapId] });
      const jobs = (status.json.jobs ?? []) as ApiJob[];
      for (const job of jobs) {
        const state = `${job.status}/${job.status_code}`;
        if (seen.get(job.action) !== state) {
          seen.set(job.action, state);
          const seconds = ((Date.now() - started) / 1000).toFixed(1).padStart(5);
          say(`${seconds}s  ${job.action.padEnd(18)} ${state.padEnd(34)} ${job.status_message}`);
        }
      }
      if (jobs.length > 0 && jobs.every((job) => job.status === "succeeded" || job.status === "failed")) {
        const ok = jobs.every((job) => job.status === "succeeded");
        say("");
        say(ok ? "All jobs succeeded. Output files:" : "Some jobs failed. Files so far:");
        for (const [label, base] of [
          ["high privacy", path.join(workdir, "high_privacy/workspaces", workspace)],
          ["medium privacy", path.join(workdir, "medium_privacy/workspaces", workspace)],
        ] as const) {
          say(`  ${label}: ${path.relative(root, base)}/`);
          for (const file of listFiles(base)) say(`    ${path.relative(base, file)} (${statSync(file).size} bytes)`);
        }
        return ok ? 0 : 1;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await server.stop();
    await kubernetes?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
