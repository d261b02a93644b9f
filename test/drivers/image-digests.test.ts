/**
 * Jobs run the image digest recorded when their task was created, through a registry proxy, on
 * real docker and podman, against a real registry (Debian's docker-registry, Docker's
 * distribution). The controller resolves `python:v2` to a digest from the registry; then the tag
 * is moved to another image; the agent, starting only afterwards, still pulls and runs the first
 * one (by digest, through DOCKER_PROXY: the same registry under the name `localhost`), records
 * both ids in the job's metadata, and moves its local tags to it. A later job gets the new digest
 * and moves the tags forward. An image the registry does not have fails its job with the reason.
 * On Kubernetes the pod names the digest and the kubelet pulls it; the API server there is the
 * in-repo fake (no real cluster was available), whose kubelet pulls from the test's registry
 * into real docker and runs the pod there.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobId } from "../../controller/jobs/ids.js";
import { readJobMetadataById } from "../../runtime-drivers/job-files/job-metadata.js";
import { agentConfig, startAgent, type AgentHarness } from "../support/agent-harness.js";
import {
  assertNothingLeft,
  startKubernetesTestEnvironment,
  type KubernetesTestEnvironment,
} from "../support/fake-kubernetes/kubernetes-runtime.js";
import { createBody, rest, startController, type ControllerHarness } from "../support/controller-harness.js";
import { startImageRegistry, type ImageRegistry } from "../support/image-registry.js";
import { NOT_STANDIN, standinImage } from "../support/standin-images.js";
import { createStudyRepo } from "../support/study-repo.js";
import { waitFor } from "../support/wait-for.js";

interface ApiJob {
  identifier: string;
  status: string;
  status_code: string;
  status_message: string;
}

const STUDY = {
  "project.yaml": [
    'version: "5.0"',
    "actions:",
    "  variant:",
    "    run: python:v2 analysis/variant.sh",
    "    outputs:",
    "      moderately_sensitive:",
    "        variant: output/variant.txt",
    "  other:",
    "    run: r:v2 analysis/variant.sh",
    "    outputs:",
    "      moderately_sensitive:",
    "        variant: output/other.txt",
    "",
  ].join("\n"),
  "analysis/variant.sh": 'mkdir -p output\necho "$IMAGE_VARIANT" > output/variant.txt\n',
};

async function docker(args: string[]): Promise<string> {
  return (await execa("docker", args)).stdout.trim();
}

/** A copy of the stand-in python image whose environment says which variant it is. */
async function pushVariant(registry: ImageRegistry, variant: string): Promise<{ digest: string; id: string }> {
  const name = `rap-digest-${randomBytes(4).toString("hex")}`;
  const tag = `${registry.host}/opensafely-core/python:v2`;
  await docker(["create", "--name", name, standinImage("python:v2")]);
  try {
    // Not labelled a stand-in: it carries a registry's name (the stand-in test would see it otherwise).
    await docker(["commit", "--change", `ENV IMAGE_VARIANT=${variant}`, "--change", `LABEL ${NOT_STANDIN}`, name, tag]);
  } finally {
    await docker(["rm", name]);
  }
  const id = await docker(["image", "inspect", "--format", "{{.Id}}", tag]);
  await docker(["push", "--quiet", tag]);
  await docker(["image", "rm", tag]);
  return { digest: await registry.digestOf("opensafely-core/python", "v2"), id };
}

describe.each(["docker", "podman", "kubernetes"] as const)("image digests on %s (real registry, real runtime)", (driver) => {
  // The fake kubelet runs pods in docker: that is where the kubernetes case's images are.
  const runtime = driver === "kubernetes" ? "docker" : driver;
  let cluster: KubernetesTestEnvironment | undefined;
  let registry: ImageRegistry;
  let controller: ControllerHarness;
  let agent: AgentHarness | undefined;
  const proxied = () => `localhost:${registry.host.split(":")[1]}/opensafely-core/python`;
  const direct = () => `${registry.host}/opensafely-core/python`;
  const engineIds: string[] = [];

  beforeAll(async () => {
    registry = await startImageRegistry();
    controller = await startController({
      env: {
        RESOLVE_IMAGE_DIGESTS: "true",
        DOCKER_REGISTRY: `${registry.host}/opensafely-core`,
        // Every task asks the registry afresh, so the second job sees the moved tag at once.
        IMAGE_DIGEST_CACHE_SECONDS: "0",
        MAINTENANCE_ENABLED_BACKENDS: "",
        DATA_CHECK_ENABLED_BACKENDS: "",
      },
    });
  });
  afterAll(async () => {
    try {
      await agent?.stop();
      if (cluster) await assertNothingLeft(cluster);
      for (const ref of engineIds) await execa(runtime, ["image", "rm", "--force", ref], { reject: false });
    } finally {
      await cluster?.dispose();
      await controller?.dispose();
      await registry?.stop();
    }
  });

  async function create(rapId: string, workspace: string, action: string): Promise<() => Promise<ApiJob | undefined>> {
    const study = createStudyRepo(STUDY);
    const created = await rest(
      controller,
      "POST",
      "/controller/v1/rap/create/",
      createBody({ rap_id: rapId, repo_url: study.path, commit: study.commit, workspace, requested_actions: [action] }),
    );
    expect([created.status, created.text]).toEqual([201, expect.any(String)]);
    return async () => {
      const response = await rest(controller, "POST", "/controller/v1/rap/status/", { rap_ids: [rapId] });
      return (response.json as { jobs: ApiJob[] }).jobs[0];
    };
  }

  const runTask = (id: string) => controller.app.deps.tasks.forJob(id, "runjob").at(-1);
  const finished = (job: () => Promise<ApiJob | undefined>) =>
    waitFor(
      async () => {
        const found = await job();
        return found && (found.status === "succeeded" || found.status === "failed") && found;
      },
      { timeoutMs: 90_000, message: "the job to finish" },
    );
  const localId = async (ref: string) =>
    (await execa(runtime, ["image", "inspect", "--format", "{{.Id}}", ref], { reject: false })).stdout.trim();

  it("runs the recorded digest after its tag moved, then moves the tags forward for a later job", async () => {
    const first = await pushVariant(registry, "first");
    const rapId = randomBytes(8).toString("hex");
    const workspace = `ws-digest-${runtime}`;
    const job = await create(rapId, workspace, "variant");
    const id = jobId(rapId, "variant");
    // No agent is connected: the task is created (and its digest recorded) all the same.
    const task = await waitFor(() => runTask(id), { message: "the RUNJOB task" });
    expect(task.definition.kind === "job" && task.definition.imageSha).toBe(first.digest);
    expect(task.definition.kind === "job" && task.definition.image).toBe(`${direct()}:v2`);

    const second = await pushVariant(registry, "second");
    expect(second.digest).not.toBe(first.digest);

    if (driver === "kubernetes") cluster = await startKubernetesTestEnvironment();
    agent = startAgent(
      agentConfig(controller.url, {
        ...(cluster ? { AGENT_CONFIG: cluster.writeAgentConfig() } : { AGENT_DRIVER: runtime }),
        PULL_MISSING_IMAGES: "true",
        DOCKER_REGISTRY: `${registry.host}/opensafely-core`,
        DOCKER_PROXY: `localhost:${registry.host.split(":")[1]}/opensafely-core`,
        CONTAINERS_REGISTRIES_CONF: registry.podmanRegistriesConf,
      }),
    );
    engineIds.push(`${proxied()}:v2`, `${direct()}:v2`, `${proxied()}@${first.digest}`, `${proxied()}@${second.digest}`);
    const done = await finished(job);
    expect([done.status_code, done.status_message]).toEqual(["succeeded", "Completed successfully"]);
    const outputs = path.join(agent.config.storage.highPrivacyDir, "workspaces", workspace, "output");
    expect(readFileSync(path.join(outputs, "variant.txt"), "utf8")).toBe("first\n");
    const metadata = await readJobMetadataById(agent.config.storage, id);
    expect(metadata.expected_image_id).toBe(first.digest);
    if (cluster) {
      // The pod asked for the proxy's name pinned to the digest, which is what the kubelet reports.
      expect(metadata.docker_image_id).toBe(`${proxied()}@${first.digest}`);
      return;
    }
    const pulledFirst = await localId(`${proxied()}@${first.digest}`);
    expect(pulledFirst.replace(/^sha256:/, "")).toBe(first.id.replace(/^sha256:/, ""));
    expect(metadata.docker_image_id).toBe(pulledFirst);
    // Neither tag named an image on this host: both now name the one pulled.
    expect(await localId(`${proxied()}:v2`)).toBe(pulledFirst);
    expect(await localId(`${direct()}:v2`)).toBe(pulledFirst);

    const laterRap = randomBytes(8).toString("hex");
    const later = await create(laterRap, `${workspace}-later`, "variant");
    const laterDone = await finished(later);
    expect(laterDone.status_code).toBe("succeeded");
    const laterId = jobId(laterRap, "variant");
    const laterTask = runTask(laterId);
    expect(laterTask?.definition.kind === "job" && laterTask.definition.imageSha).toBe(second.digest);
    const laterOutputs = path.join(agent.config.storage.highPrivacyDir, "workspaces", `${workspace}-later`, "output");
    expect(readFileSync(path.join(laterOutputs, "variant.txt"), "utf8")).toBe("second\n");
    const pulledSecond = await localId(`${proxied()}@${second.digest}`);
    expect((await readJobMetadataById(agent.config.storage, laterId)).docker_image_id).toBe(pulledSecond);
    // The newer image takes both tags.
    expect(await localId(`${proxied()}:v2`)).toBe(pulledSecond);
    expect(await localId(`${direct()}:v2`)).toBe(pulledSecond);
  });

  it("fails a job whose image the registry does not have, with the registry's answer", async () => {
    const rapId = randomBytes(8).toString("hex");
    const job = await create(rapId, `ws-missing-${runtime}`, "other");
    const done = await finished(job);
    expect([done.status, done.status_code, done.status_message]).toEqual([
      "failed",
      "job_error",
      `This job returned a fatal error. Its image is not in the registry, so it cannot run. (${registry.host} has no image opensafely-core/r:v2)`,
    ]);
    expect(runTask(jobId(rapId, "other"))).toBeUndefined();
  });
});
