/**
 * Global set-up of the test run: the run fails if it leaves job containers behind in docker or
 * podman. Containers are ours when they carry the label every job container gets (`job-runner`) or
 * the pod label the fake Kubernetes cluster puts on the containers it runs. Containers that existed
 * before the run are not counted. Another test run sharing the same engine at the same time would
 * be blamed for this run's containers: set RAP_TEST_CONTAINER_CHECK=off there (CI runs alone).
 */
import { execa } from "execa";

const OUR_LABELS = ["job-runner", "io.kubernetes.pod.name"];
const ENGINES = ["docker", "podman"] as const;

/** `engine container-id name` of every container with one of our labels; none when the engine is absent. */
export async function ourContainers(): Promise<Set<string>> {
  const found = new Set<string>();
  for (const engine of ENGINES) {
    for (const label of OUR_LABELS) {
      const result = await execa(engine, ["ps", "--all", "--filter", `label=${label}`, "--format", "{{.ID}} {{.Names}}"], {
        reject: false,
      });
      if (result.exitCode !== 0) continue;
      for (const line of result.stdout.split("\n")) if (line.trim() !== "") found.add(`${engine} ${line.trim()}`);
    }
  }
  return found;
}

export default async function containerTeardownCheck(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.RAP_TEST_CONTAINER_CHECK === "off") return undefined;
  const before = await ourContainers();
  return async () => {
    const left = [...(await ourContainers())].filter((container) => !before.has(container));
    if (left.length > 0) {
      // vitest reports an error thrown here but still exits 0, so the exit code is set as well.
      process.exitCode = 1;
      throw new Error(`teardown check: the test run left ${left.length} job container(s) behind: ${left.join(", ")}`);
    }
  };
}
