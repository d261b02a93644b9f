/**
 * The fake Kubernetes API server on its own (`npm run fake-kubernetes`), for the all-in-one and for
 * kubectl: `kubectl --server http://127.0.0.1:PORT get jobs,pvc,networkpolicies`. It is the test
 * double the driver was built against (no real cluster was available), not a Kubernetes. Pods run
 * through the local docker engine. Runs until its standard input closes (Ctrl-D), then removes
 * every container it started.
 *
 *   PORT (default 0), FAKE_K8S_DIR (default workdir/fake-kubernetes), FAKE_K8S_NAMESPACE (default "default"),
 *   FAKE_K8S_JOB_VOLUMES: host directory behind the claim rap-job-volumes (default FAKE_K8S_DIR/job-volumes)
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { startFakeKubernetes } from "./fake-kubernetes-cluster.js";

const root = path.resolve(import.meta.dirname, "..");
const dir = path.resolve(process.env.FAKE_K8S_DIR ?? path.join(root, "workdir", "fake-kubernetes"));
mkdirSync(dir, { recursive: true });
const cluster = await startFakeKubernetes({
  dir,
  namespace: process.env.FAKE_K8S_NAMESPACE ?? "default",
  jobVolumes: path.resolve(process.env.FAKE_K8S_JOB_VOLUMES ?? path.join(dir, "job-volumes")),
  port: Number(process.env.PORT ?? 0),
});
process.stdout.write(`fake Kubernetes API server (no real cluster) on ${cluster.url}\n`);
process.stdout.write(`try: kubectl --server ${cluster.url} get jobs,pvc,networkpolicies\n`);
process.stdin.resume();
process.stdin.once("end", () => {
  void cluster.dispose().then(() => process.exit(0));
});
