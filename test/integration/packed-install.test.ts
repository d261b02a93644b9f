/**
 * The artefact an operator installs: `npm run build` + `npm pack`, installed with npm into a fresh
 * prefix (native modules compiled by npm as on a real server, packages from the npm cache where it
 * has them), then `rap controller` and `rap agent` run from that prefix with plain node, from a
 * directory outside the checkout, through one job end to end. Slow (npm compiles better-sqlite3 and
 * node-pty, about two minutes), so everything shares one install.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { packArtefact } from "../../scripts/build.js";
import { adminClient, AS_ADMIN } from "../support/admin-client.js";
import { agentConfig } from "../support/agent-harness.js";
import { spawnAgent } from "../support/agent-process.js";
import { createBody, rest } from "../support/controller-harness.js";
import { spawnController } from "../support/controller-process.js";
import type { RapCommand } from "../support/rap-command.js";
import { createStudyRepo, TWO_ACTION_STUDY } from "../support/study-repo.js";
import { waitFor } from "../support/wait-for.js";

const root = path.resolve(import.meta.dirname, "../..");
const version = (JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { version: string }).version;
const commit = execFileSync("git", ["rev-parse", "HEAD"], { cwd: root, encoding: "utf8" }).trim();
const INSTALL_TIMEOUT_MS = 10 * 60_000;

/** Every file under `dir` whose name ends with `suffix`, relative to `dir`. */
function filesEndingWith(dir: string, suffix: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((file) => file.endsWith(suffix));
}

describe("the packed artefact, installed with npm", () => {
  let scratch: string;
  let prefix: string;
  let installed: RapCommand;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    scratch = mkdtempSync(path.join(tmpdir(), "rap-packed-"));
    const tarball = await packArtefact(scratch);
    prefix = path.join(scratch, "prefix");
    execFileSync("npm", ["install", "--prefix", prefix, "--prefer-offline", "--no-audit", "--no-fund", tarball], {
      cwd: scratch,
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, npm_config_loglevel: "error" },
    });
    // Run from an empty directory: nothing of the checkout is on the way.
    installed = { argv: [path.join(prefix, "node_modules/.bin/rap")], cwd: mkdtempSync(path.join(scratch, "cwd-")) };
  }, INSTALL_TIMEOUT_MS);

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("ships compiled JavaScript and its runtime files only, and installs no TypeScript loader", () => {
    const pkg = path.join(prefix, "node_modules/rap-runner");
    expect(filesEndingWith(pkg, ".ts")).toEqual([]);
    expect(readdirSync(pkg).sort()).toEqual(["README.md", "dist", "package.json"]);
    expect(readdirSync(path.join(pkg, "dist/controller/store/migrations")).sort()).toEqual(
      readdirSync(path.join(root, "controller/store/migrations")).sort(),
    );
    expect(readdirSync(path.join(pkg, "dist/dashboard/dist")).sort()).toEqual(["app.css", "app.js", "index.html"]);
    expect(existsSync(path.join(prefix, "node_modules/tsx"))).toBe(false);
    expect(existsSync(path.join(prefix, "node_modules/typescript"))).toBe(false);
  });

  it("reports the package version and the commit it was built from", () => {
    const printed = execFileSync(process.execPath, [...installed.argv, "--version"], { cwd: installed.cwd, encoding: "utf8" });
    expect(printed).toBe(`${version}+g${commit.slice(0, 12)}\n`);
  });

  it("runs a controller and a docker agent through a job end to end with plain node", async () => {
    const workdir = mkdtempSync(path.join(scratch, "controller-"));
    const controller = await spawnController(workdir, 0, {}, installed);
    cleanups.push(() => controller.kill("SIGTERM"));
    const versionResponse = await fetch(`${controller.url}/version`);
    expect(await versionResponse.json()).toEqual({ version: `${version}+g${commit.slice(0, 12)}` });
    expect((await fetch(`${controller.url}/dashboard/`)).status).toBe(200);

    const config = agentConfig(controller.url);
    const agent = spawnAgent(config, {}, installed);
    cleanups.push(() => agent.kill("SIGTERM"));

    // The agent's Hello carries the same version as the controller's endpoint.
    const admin = adminClient(controller.url);
    const connected = await waitFor(async () => (await admin.listAgents({}, AS_ADMIN)).agents[0], {
      message: `the agent to connect (agent output: ${agent.output()})`,
    });
    expect([connected.agentId, connected.version, connected.driver]).toEqual([
      config.agentId,
      `${version}+g${commit.slice(0, 12)}`,
      "docker",
    ]);

    const rapId = randomBytes(8).toString("hex");
    const study = createStudyRepo(TWO_ACTION_STUDY);
    const created = await rest(
      controller,
      "POST",
      "/controller/v1/rap/create/",
      createBody({ rap_id: rapId, repo_url: study.path, commit: study.commit }),
    );
    expect(created.json).toEqual({ result: "Success", details: `Jobs created for rap_id '${rapId}'`, rap_id: rapId, count: 2 });

    const statuses = async () => {
      const response = await rest(controller, "POST", "/controller/v1/rap/status/", { rap_ids: [rapId] });
      return (response.json as { jobs: { action: string; status: string }[] }).jobs.map((job) => [job.action, job.status]);
    };
    await waitFor(async () => (await statuses()).every(([, status]) => status === "succeeded" || status === "failed"), {
      timeoutMs: 90_000,
      message: `both jobs to finish (agent output: ${agent.output()})`,
    });
    expect(await statuses()).toEqual([
      ["generate", "succeeded"],
      ["summarise", "succeeded"],
    ]);
    const output = (level: string, file: string) => readFileSync(path.join(level, "workspaces/workspace/output", file), "utf8");
    expect(output(config.storage.highPrivacyDir, "dataset.csv")).toBe("patient_id,age\n1,40\n2,50\n");
    expect(output(config.storage.mediumPrivacyDir, "summary.csv")).toBe("count\n2\n");
  });
});
