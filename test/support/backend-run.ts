/**
 * Runs a study through the real controller and a real agent (docker), as job-server would submit
 * it, and returns each job's final state: the reference a local `rap run` must match.
 */
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { agentConfig, startAgent } from "./agent-harness.js";
import { createBody, rest, startController } from "./controller-harness.js";
import { createStudyRepo } from "./study-repo.js";
import { waitFor } from "./wait-for.js";

export interface FinalJob {
  readonly action: string;
  readonly status: string;
  readonly status_code: string;
  readonly status_message: string;
}

/** Every file of a directory tree, relative path -> content. */
export function readTree(dir: string, rel = ""): Record<string, string> {
  const found: Record<string, string> = {};
  for (const name of readdirSync(path.join(dir, rel))) {
    const child = rel === "" ? name : `${rel}/${name}`;
    if (statSync(path.join(dir, child)).isDirectory()) Object.assign(found, readTree(dir, child));
    else found[child] = readFileSync(path.join(dir, child), "utf8");
  }
  return found;
}

export async function runOnBackend(
  files: Readonly<Record<string, string>>,
): Promise<{ jobs: FinalJob[]; outputs: Record<string, string> }> {
  const controller = await startController();
  const agent = startAgent(agentConfig(controller.url));
  try {
    const study = createStudyRepo(files);
    const rapId = randomBytes(8).toString("hex");
    const created = await rest(
      controller,
      "POST",
      "/controller/v1/rap/create/",
      createBody({ rap_id: rapId, repo_url: study.path, commit: study.commit, requested_actions: ["run_all"] }),
    );
    if (created.status !== 200 && created.status !== 201) throw new Error(`create failed: ${created.text}`);
    const jobs = await waitFor(
      async () => {
        const response = await rest(controller, "POST", "/controller/v1/rap/status/", { rap_ids: [rapId] });
        const all = (response.json as { jobs: FinalJob[] }).jobs;
        return all.length > 0 && all.every((job) => job.status === "succeeded" || job.status === "failed") ? all : undefined;
      },
      { timeoutMs: 90_000, message: "every job of the RAP to finish" },
    );
    const workspace = path.join(agent.config.storage.highPrivacyDir, "workspaces", "workspace", "output");
    return {
      jobs: jobs
        .map(({ action, status, status_code, status_message }) => ({ action, status, status_code, status_message }))
        .sort((a, b) => a.action.localeCompare(b.action)),
      outputs: readTree(workspace),
    };
  } finally {
    await agent.stop();
    await controller.dispose();
  }
}
