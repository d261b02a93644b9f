/**
 * The rap-runner image (deploy/Containerfile, built by scripts/build-rap-image.sh on a locally made
 * Debian base): it runs as the manifests' non-root user on the Node LTS runtime, reports the
 * package's version, stays under its size bound, migrates a database on a mounted volume, and serves
 * the controller whose /healthz, /readyz and /version answer from the host. Then the deployment the
 * AKS manifests describe, with the fake Kubernetes API server (test/support/fake-kubernetes/, pods
 * run through real docker) on the host standing in for the cluster: a controller container and an
 * agent container from the image, the agent on the kubernetes driver with a kubeconfig and the
 * manifests' agent config, run a job submitted through job-server's API to `succeeded`. Slow: the
 * build compiles the native modules for Node 24 (the base and toolchain images are built once and kept).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { AGENT_TOKEN, CLIENT_TOKEN, createBody, rest } from "../support/controller-harness.js";
import {
  assertNothingLeft,
  JOB_VOLUMES_CLAIM,
  MANAGED,
  NAMESPACE,
  startKubernetesTestEnvironment,
  type KubernetesTestEnvironment,
} from "../support/fake-kubernetes/kubernetes-runtime.js";
import { STANDIN_IMAGE_MAP } from "../support/standin-images.js";
import { createStudyRepo, TWO_ACTION_STUDY } from "../support/study-repo.js";
import { waitFor } from "../support/wait-for.js";

const root = path.resolve(import.meta.dirname, "../..");
const version = (JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { version: string }).version;
const commit = execFileSync("git", ["rev-parse", "HEAD"], { cwd: root, encoding: "utf8" }).trim().slice(0, 12);
const BUILD_TIMEOUT_MS = 15 * 60_000;
/** Two containers and two pods (each a docker container) start: generous for a loaded 2-core machine. */
const E2E_TIMEOUT_MS = 5 * 60_000;
/**
 * The image's size bound (docker's Size, bytes): 260 MB; 248.7 MB when the bound was set
 * (it was 455 MB single-stage). A larger image means something the runtime does not need got in.
 */
const IMAGE_SIZE_LIMIT = 260_000_000;

function docker(args: readonly string[]): string {
  return execFileSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** What the container wrote: the service logs on stderr, which `docker logs` passes on as stderr. */
function containerLogs(name: string): string {
  const result = spawnSync("docker", ["logs", name], { encoding: "utf8" });
  return `${result.stdout}${result.stderr}`;
}

/** A host directory the image's user (10000) may write. */
function sharedDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  chmodSync(dir, 0o777);
  return dir;
}

/** Waits until a controller published on `url` answers /healthz (docker's proxy may hold early connections). */
async function controllerUp(url: string, name: string): Promise<number> {
  // Docker's port proxy accepts a connection before the controller listens and may hold it
  // unanswered: each attempt gives up after two seconds and the next one tries again.
  return waitFor(
    () =>
      fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
        (response) => response.status,
        () => undefined,
      ),
    { timeoutMs: 30_000, message: `the controller in the container to answer (logs: ${containerLogs(name)})` },
  );
}

function publishedUrl(name: string): string {
  const port = /:(\d+)$/.exec(docker(["port", name, "8000/tcp"]).trim().split("\n")[0] ?? "")?.[1];
  return `http://127.0.0.1:${port}`;
}

/** The JSON lines' messages of a container's logs. */
function logMessages(name: string): string[] {
  return containerLogs(name)
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => (JSON.parse(line) as { msg: string }).msg);
}

describe("the rap-runner image", () => {
  let image: string;
  let state: string;
  const suffix = randomBytes(4).toString("hex");
  const name = `rap-image-test-${suffix}`;
  const containers = [name];
  const dirs: string[] = [];

  beforeAll(() => {
    const out = execFileSync("bash", [path.join(root, "scripts/build-rap-image.sh"), "docker"], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    image = out.trim().split("\n").at(-1) ?? "";
    // The controller's state on a host directory the image's user (10000) may write.
    state = sharedDir("rap-image-");
    dirs.push(state);
  }, BUILD_TIMEOUT_MS);

  afterAll(() => {
    execFileSync("docker", ["rm", "--force", ...containers], { stdio: "ignore" });
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
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

  it("is one layer under its size bound, without compilers, npm, apt or perl's modules", () => {
    const [size, layers] = docker(["image", "inspect", "--format", "{{.Size}} {{len .RootFS.Layers}}", image]).trim().split(" ");
    expect(Number(layers)).toBe(1);
    expect(Number(size)).toBeLessThan(IMAGE_SIZE_LIMIT);
    const absent =
      "for tool in gcc g++ make python3 npm apt-get scalar; do command -v $tool; done; test -e /usr/share/perl || echo no-perl";
    expect(docker(["run", "--rm", "--entrypoint", "sh", image, "-c", absent])).toBe("no-perl\n");
    // What the agent needs from the system is there: git, with its HTTPS transport and CA bundle.
    expect(docker(["run", "--rm", "--entrypoint", "git", image, "--version"])).toMatch(/^git version 2\.\d+\.\d+\n$/);
    const https = "test -x /usr/lib/git-core/git-remote-https && test -s /etc/ssl/certs/ca-certificates.crt && echo ok";
    expect(docker(["run", "--rm", "--entrypoint", "sh", image, "-c", https])).toBe("ok\n");
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
    const url = publishedUrl(name);
    expect(await controllerUp(url, name)).toBe(200);
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
    expect(logMessages(name).slice(-3)).toEqual(["SIGTERM received (1): draining", "controller draining", "controller stopped"]);
    expect(docker(["inspect", "--format", "{{.State.ExitCode}}", name]).trim()).toBe("0");
  });

  describe("deployed as on AKS: controller and kubernetes agent containers", () => {
    let cluster: KubernetesTestEnvironment;
    const controllerName = `rap-image-controller-${suffix}`;
    const agentName = `rap-image-agent-${suffix}`;

    beforeAll(async () => {
      containers.push(controllerName, agentName);
      cluster = await startKubernetesTestEnvironment();
    });
    afterAll(async () => {
      // The containers first: the fake cluster's dispose removes the pods' containers it started.
      execFileSync("docker", ["rm", "--force", controllerName, agentName], { stdio: "ignore" });
      await cluster.dispose();
    });

    it(
      "runs a job submitted through job-server's API to succeeded, and leaves nothing behind",
      async () => {
        // The agent (user 10000) traverses the fake cluster's directory and writes the shared volume.
        chmodSync(cluster.dir, 0o755);
        mkdirSync(cluster.volumesDir, { recursive: true });
        chmodSync(cluster.volumesDir, 0o777);
        // The study: a git repository on the host, mounted read-only at the same path in both
        // containers (the controller reads project.yaml from it, the agent checks it out).
        const study = createStudyRepo(TWO_ACTION_STUDY);
        dirs.push(study.path);
        chmodSync(study.path, 0o755);
        const repo = `${study.path}:${study.path}:ro`;

        const controllerState = sharedDir("rap-image-controller-");
        dirs.push(controllerState);
        const controllerVolume = `${controllerState}:/var/lib/rap-runner`;
        docker(["run", "--rm", "-v", controllerVolume, image, "migrate"]);
        const controllerEnv = [
          "BACKENDS=test",
          `TEST_CLIENT_TOKENS=${CLIENT_TOKEN}`,
          `TEST_AGENT_TOKEN=${AGENT_TOKEN}`,
          "ALLOW_LOCAL_GIT_REPOS=true",
          // The stand-in images are in no registry.
          "RESOLVE_IMAGE_DIGESTS=false",
        ];
        docker([
          "run",
          "--detach",
          "--name",
          controllerName,
          "-v",
          controllerVolume,
          "-v",
          repo,
          "-p",
          "127.0.0.1::8000",
          ...controllerEnv.flatMap((variable) => ["-e", variable]),
          image,
          "controller",
        ]);
        const controller = { url: publishedUrl(controllerName) };
        expect(await controllerUp(controller.url, controllerName)).toBe(200);

        // The agent's pod as deploy/kubernetes/60-agent-deployments.yaml describes it: user 10000, no
        // capabilities, its config directory (/etc/rap: 50-agent-config.yaml's agent.yaml with this
        // test's values, and a kubeconfig for the fake API server on the host, where a pod would use
        // its service account), the workdir and the two storage levels, and the job-volumes share,
        // here at the host path the fake cluster's claim binds to. The agent is on the host's
        // network, which reaches both the API server and the controller's published port.
        const agentFiles = sharedDir("rap-image-agent-");
        dirs.push(agentFiles);
        const mounts = {
          config: path.join(agentFiles, "config"),
          workdir: path.join(agentFiles, "workdir"),
          high: path.join(agentFiles, "high_privacy"),
          medium: path.join(agentFiles, "medium_privacy"),
        };
        for (const dir of Object.values(mounts)) {
          mkdirSync(dir);
          chmodSync(dir, 0o777);
        }
        writeFileSync(
          path.join(mounts.config, "kubeconfig"),
          stringify({
            apiVersion: "v1",
            kind: "Config",
            // Plain HTTP: @kubernetes/client-node refuses http:// unless TLS verification is off.
            clusters: [{ name: "fake", cluster: { server: cluster.cluster.url, "insecure-skip-tls-verify": true } }],
            users: [{ name: "rap-agent", user: { token: "fake-cluster-token" } }],
            contexts: [{ name: "fake", context: { cluster: "fake", user: "rap-agent", namespace: NAMESPACE } }],
            "current-context": "fake",
          }),
          { mode: 0o644 },
        );
        writeFileSync(
          path.join(mounts.config, "agent.yaml"),
          stringify({
            backend: "test",
            controller_url: controller.url,
            workdir: "/srv/rap-agent",
            shutdown_grace_seconds: 45,
            allow_local_git_repos: true,
            driver: { kind: "kubernetes", image_map: STANDIN_IMAGE_MAP },
            kubernetes: {
              namespace: NAMESPACE,
              kubeconfig: "/etc/rap/kubeconfig",
              job_volumes_claim: JOB_VOLUMES_CLAIM,
              job_user: "10000:10000",
              entrypoints: { default: ["/bin/sh"] },
              deadlines: { image_pull_grace_seconds: 2, pending_timeout_seconds: 60 },
              watch: { silence_seconds: 5, resync_seconds: 120, max_backoff_ms: 2000 },
            },
            storage: {
              high_privacy_dir: "/srv/high_privacy",
              medium_privacy_dir: "/srv/medium_privacy",
              volumes_dir: cluster.volumesDir,
            },
          }),
          { mode: 0o644 },
        );
        docker([
          "run",
          "--detach",
          "--name",
          agentName,
          "--network",
          "host",
          "--user",
          "10000:10000",
          "--cap-drop",
          "ALL",
          "--security-opt",
          "no-new-privileges",
          "-v",
          `${mounts.config}:/etc/rap:ro`,
          "-v",
          `${mounts.workdir}:/srv/rap-agent`,
          "-v",
          `${mounts.high}:/srv/high_privacy`,
          "-v",
          `${mounts.medium}:/srv/medium_privacy`,
          "-v",
          `${cluster.volumesDir}:${cluster.volumesDir}`,
          "-v",
          repo,
          "-e",
          "AGENT_CONFIG=/etc/rap/agent.yaml",
          "-e",
          `AGENT_TOKEN=${AGENT_TOKEN}`,
          image,
          "agent",
        ]);

        const rapId = randomBytes(8).toString("hex");
        const created = await rest(
          controller,
          "POST",
          "/controller/v1/rap/create/",
          createBody({ rap_id: rapId, repo_url: study.path, commit: study.commit }),
        );
        expect(created.json).toEqual({
          result: "Success",
          details: `Jobs created for rap_id '${rapId}'`,
          rap_id: rapId,
          count: 2,
        });
        const statuses = async () => {
          const response = await rest(controller, "POST", "/controller/v1/rap/status/", { rap_ids: [rapId] });
          return (response.json as { jobs: { action: string; status: string }[] }).jobs.map((job) => [job.action, job.status]);
        };
        // The containers' logs as they are when the wait gives up, not when it starts.
        await waitFor(async () => (await statuses()).every(([, status]) => status === "succeeded" || status === "failed"), {
          timeoutMs: 180_000,
          message: "both jobs to finish",
        }).catch((error: unknown) => {
          throw new Error(`${String(error)} (agent: ${containerLogs(agentName)}; controller: ${containerLogs(controllerName)})`);
        });
        expect(await statuses()).toEqual([
          ["generate", "succeeded"],
          ["summarise", "succeeded"],
        ]);
        const output = (level: string, file: string) =>
          readFileSync(path.join(level, "workspaces/workspace/output", file), "utf8");
        expect(output(mounts.high, "dataset.csv")).toBe("patient_id,age\n1,40\n2,50\n");
        expect(output(mounts.medium, "summary.csv")).toBe("count\n2\n");
        // Both jobs ran as pods of the fake cluster, one each.
        expect([...cluster.cluster.podsCreated.values()]).toEqual([1, 1]);

        // The agent reports a result before it tidies the job up (deletes its Job, Pod and volume):
        // wait for that, then stop both containers.
        await waitFor(
          () =>
            assertNothingLeft(cluster).then(
              () => true,
              () => false,
            ),
          {
            timeoutMs: 60_000,
            message: "the agent to delete the jobs' Jobs, Pods and volumes",
          },
        );
        // Both containers stop on SIGTERM, draining, and exit 0. The stop is awaited, not run with
        // execFileSync: the fake API server lives in this process, and a blocked event loop would
        // leave the draining agent's last API calls unanswered until docker killed it (exit 137).
        await execa("docker", ["stop", "-t", "60", agentName]);
        await execa("docker", ["stop", "-t", "60", controllerName]);
        expect(logMessages(agentName)).toContain("SIGTERM received (1): draining");
        expect(
          [agentName, controllerName].map((name) => docker(["inspect", "--format", "{{.State.ExitCode}}", name]).trim()),
        ).toEqual(["0", "0"]);
        // Nothing of the jobs is left: no Job, Pod or pod container in the fake cluster, no job volume.
        await assertNothingLeft(cluster);
        expect([cluster.cluster.list("jobs", NAMESPACE, MANAGED), cluster.cluster.list("pods", NAMESPACE, MANAGED)]).toEqual([
          [],
          [],
        ]);
      },
      E2E_TIMEOUT_MS,
    );
  });
});
