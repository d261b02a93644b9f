/**
 * Starts the fake cluster as the demo and the standalone script use it: the shared job-volumes
 * claim bound to a host directory (what applying deploy/kubernetes/ gives a real namespace).
 */
import { FakeCluster } from "../test/support/fake-kubernetes/fake-cluster.js";

export const JOB_VOLUMES_CLAIM = "rap-job-volumes";

export async function startFakeKubernetes(options: {
  readonly dir: string;
  readonly namespace: string;
  readonly jobVolumes: string;
  readonly port?: number;
}): Promise<FakeCluster> {
  const cluster = await FakeCluster.start({
    dataDir: options.dir,
    claimHostPaths: { [JOB_VOLUMES_CLAIM]: options.jobVolumes },
    ...(options.port ? { port: options.port } : {}),
  });
  cluster.apply("persistentvolumeclaims", options.namespace, {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: JOB_VOLUMES_CLAIM },
    spec: { accessModes: ["ReadWriteMany"], storageClassName: "rap-azurefile", resources: { requests: { storage: "10Gi" } } },
  });
  return cluster;
}
