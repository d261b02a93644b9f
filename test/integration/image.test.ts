/**
 * The rap-runner image (deploy/Containerfile, built by scripts/build-rap-image.sh on a locally made
 * Debian base): it runs as the manifests' non-root user on the Node LTS runtime, reports the
 * package's version, migrates a database on a mounted volume, and serves the controller whose
 * /healthz, /readyz and /version answer from the host. Slow: the build compiles the native modules
 * for Node 24 (the base image is built once and kept).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENT_TOKEN } from "../support/controller-harness.js";
import { waitFor } from "../support/wait-for.js";

const root = path.resolve(import.meta.dirname, "../..");
const version = (JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { version: string }).version;
const commit = execFileSync("git", ["rev-parse", "HEAD"], { cwd: root, encoding: "utf8" }).trim().slice(0, 12);
const BUILD_TIMEOUT_MS = 15 * 60_000;

function docker(args: readonly string[]): string {
  return execFileSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** What the container wrote: the service logs on stderr, which `docker logs` passes on as stderr. */
function containerLogs(name: string): string {
  const result = spawnSync("docker", ["logs", name], { encoding: "utf8" });
  return `${result.stdout}${result.stderr}`;
}

describe("the rap-runner image", () => {
  let image: string;
  let state: string;
  const name = `rap-image-test-${randomBytes(4).toString("hex")}`;

  beforeAll(() => {
    const out = execFileSync("bash", [path.join(root, "scripts/build-rap-image.sh"), "docker"], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    image = out.trim().split("\n").at(-1) ?? "";
    // The controller's state on a host directory the image's user (10000) may write.
    state = mkdtempSync(path.join(tmpdir(), "rap-image-"));
    chmodSync(state, 0o777);
  }, BUILD_TIMEOUT_MS);

  afterAll(() => {
    execFileSync("docker", ["rm", "--force", name], { stdio: "ignore" });
    rmSync(state, { recursive: true, force: true });
  });

  it("is tagged with the package version, runs rap as user 10000 on Node 24", () => {
    expect(image).toBe(`rap-runner:${version}`);
    const config = JSON.parse(docker(["image", "inspect", "--format", "{{json .Config}}", image])) as {
      Entrypoint: string[];
      Cmd: string[];
      User: string;
    };
    expect([config.Entrypoint, config.Cmd, config.User]).toEqual([["rap"], ["controller"], "10000:10000"]);
    expect(docker(["run", "--rm", image, "--version"])).toBe(`${version}+g${commit}\n`);
    expect(docker(["run", "--rm", "--entrypoint", "node", image, "--version"])).toMatch(/^v24\.\d+\.\d+\n$/);
    // Both native modules load (built for this Node, kept when the image was trimmed).
    const modules = "/opt/rap-runner/node_modules";
    const load = `require("${modules}/node-pty"); console.log(require("${modules}/better-sqlite3")(":memory:").prepare("select 41 + 1 as n").get().n)`;
    expect(docker(["run", "--rm", "--entrypoint", "node", image, "-e", load])).toBe("42\n");
  });

  it("migrates a database on a volume and serves the controller's health endpoints", async () => {
    const volume = `${state}:/var/lib/rap-runner`;
    const migrations = readdirSync(path.join(root, "controller/store/migrations")).map((file) => Number.parseInt(file, 10));
    expect(docker(["run", "--rm", "-v", volume, image, "migrate"])).toBe(
      [
        "created new db at /var/lib/rap-runner/db.sqlite",
        ...migrations.sort((a, b) => a - b).map((n) => `Applied migration ${n}`),
        "",
      ].join("\n"),
    );
    const env = ["-e", "BACKENDS=test", "-e", `TEST_CLIENT_TOKENS=${CLIENT_TOKEN}`];
    docker(["run", "--detach", "--name", name, "-v", volume, "-p", "127.0.0.1::8000", ...env, image, "controller"]);
    const port = /:(\d+)$/.exec(docker(["port", name, "8000/tcp"]).trim().split("\n")[0] ?? "")?.[1];
    const url = `http://127.0.0.1:${port}`;
    // Docker's port proxy accepts a connection before the controller listens and may hold it
    // unanswered: each attempt gives up after two seconds and the next one tries again.
    const healthz = await waitFor(
      () =>
        fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
          (response) => response.status,
          () => undefined,
        ),
      {
        timeoutMs: 30_000,
        message: `the controller in the container to answer (logs: ${containerLogs(name)})`,
      },
    );
    expect(healthz).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${url}/version`)).json()).toEqual({ version: `${version}+g${commit}` });
    // job-server's API answers on the same port with the client token.
    const status = await fetch(`${url}/controller/v1/rap/status/`, {
      method: "POST",
      headers: { authorization: CLIENT_TOKEN, "content-type": "application/json" },
      body: JSON.stringify({ rap_ids: ["0123456789abcdef"] }),
    });
    expect([status.status, await status.json()]).toEqual([200, { jobs: [], unrecognised_rap_ids: ["0123456789abcdef"] }]);
    // SIGTERM (docker stop) drains and exits cleanly.
    docker(["stop", "-t", "60", name]);
    const messages = containerLogs(name)
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages.slice(-3)).toEqual(["SIGTERM received (1): draining", "controller draining", "controller stopped"]);
    expect(docker(["inspect", "--format", "{{.State.ExitCode}}", name]).trim()).toBe("0");
  });
});
