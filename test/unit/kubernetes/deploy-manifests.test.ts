/**
 * deploy/kubernetes/ against the published Kubernetes schemas (kubernetes-models 4.5.1, generated
 * from Kubernetes 1.33's OpenAPI), plus what the schemas cannot say: the agent config in the
 * ConfigMap is one the agent accepts, and the Role grants what the driver calls and no more.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { agentConfigFrom } from "../../../agent/config.js";
import { validateObject, VALIDATED_KINDS } from "../../support/fake-kubernetes/schema-validation.js";

const dir = path.resolve(import.meta.dirname, "../../../deploy/kubernetes");
const documents = readdirSync(dir)
  .filter((name) => name.endsWith(".yaml"))
  .sort()
  .flatMap((file) =>
    parseAllDocuments(readFileSync(path.join(dir, file), "utf8")).map((doc) => ({
      file,
      object: doc.toJS() as Record<string, unknown>,
    })),
  );
const byKind = (kind: string) => documents.filter((d) => d.object.kind === kind).map((d) => d.object);

describe("deploy/kubernetes manifests", () => {
  it("holds the objects an AKS backend needs", () => {
    expect(documents.map((d) => `${String(d.object.kind)}/${String((d.object.metadata as { name: string }).name)}`)).toEqual([
      "Namespace/rap",
      "ServiceAccount/rap-agent",
      "Role/rap-agent",
      "RoleBinding/rap-agent",
      "StorageClass/rap-azurefile",
      "StorageClass/rap-azuredisk",
      "PersistentVolumeClaim/rap-high-privacy",
      "PersistentVolumeClaim/rap-medium-privacy",
      "PersistentVolumeClaim/rap-job-volumes",
      "PersistentVolumeClaim/rap-agent-workdir",
      "PersistentVolumeClaim/rap-agent-standby-workdir",
      "NetworkPolicy/rap-jobs-deny-all",
      "NetworkPolicy/rap-database-jobs-egress",
      "NetworkPolicy/rap-agent-egress",
      "ConfigMap/rap-agent-config",
      "Deployment/rap-agent",
      "Deployment/rap-agent-standby",
    ]);
  });

  for (const { file, object } of documents) {
    it(`${file}: ${String(object.kind)} ${String((object.metadata as { name: string }).name)} validates against the schema`, () => {
      expect(VALIDATED_KINDS).toContain(object.kind);
      expect(() => validateObject(String(object.kind), object)).not.toThrow();
    });
  }

  it("the schema check can fail: a wrong type is rejected", () => {
    const [deployment] = byKind("Deployment");
    const broken = structuredClone(deployment) as { spec: { replicas: unknown } };
    broken.spec.replicas = "one";
    expect(() => validateObject("Deployment", broken as unknown as Record<string, unknown>)).toThrow("replicas must be integer");
  });

  it("ships an agent config the agent accepts (strict kubernetes: section)", () => {
    const [configMap] = byKind("ConfigMap");
    const text = (configMap?.data as Record<string, string>)["agent.yaml"] ?? "";
    const file = parseAllDocuments(text)[0]?.toJS() as Record<string, unknown>;
    const config = agentConfigFrom({ AGENT_TOKEN: "t", AGENT_WORKDIR: "/tmp/rap-deploy-test", AGENT_ID: "a" }, file);
    expect(config.driver.kind).toBe("kubernetes");
    expect(config.kubernetes?.namespace).toBe("rap");
    expect(config.kubernetes?.job_volumes_claim).toBe("rap-job-volumes");
    expect(config.storage.volumesDir).toBe("/srv/job-volumes");
  });

  it("runs one primary agent and one standby, each on its own working directory", () => {
    const deployments = byKind("Deployment") as {
      spec: {
        replicas: number;
        strategy: { type: string };
        template: {
          spec: { volumes: { name: string; persistentVolumeClaim?: { claimName: string } }[]; containers: { image: string }[] };
        };
      };
    }[];
    expect(deployments.map((d) => [d.spec.replicas, d.spec.strategy.type])).toEqual([
      [1, "Recreate"],
      [1, "Recreate"],
    ]);
    expect(
      deployments.map((d) => d.spec.template.spec.volumes.find((v) => v.name === "workdir")?.persistentVolumeClaim?.claimName),
    ).toEqual(["rap-agent-workdir", "rap-agent-standby-workdir"]);
    expect(deployments.flatMap((d) => d.spec.template.spec.containers.map((c) => c.image))).toEqual([
      "rap-runner:0.1.0",
      "rap-runner:0.1.0",
    ]);
  });

  it("grants the agent only namespaced rights, and none on Secrets", () => {
    const [role] = byKind("Role") as { rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] }[];
    expect(byKind("ClusterRole")).toEqual([]);
    const grants = (role?.rules ?? []).flatMap((rule) =>
      rule.resources.map((resource) => `${rule.apiGroups[0] || "core"}/${resource}: ${rule.verbs.join(",")}`),
    );
    expect(grants).toEqual([
      "batch/jobs: create,get,list,watch,delete",
      "core/pods: get,list,watch,delete",
      "core/pods/log: get",
      "core/pods/exec: create,get",
      "core/events: list",
      "networking.k8s.io/networkpolicies: create,get",
      "metrics.k8s.io/pods: list",
    ]);
  });

  it("mounts Azure Files with the owner and modes non-root jobs need", () => {
    const [files] = byKind("StorageClass");
    expect(files?.provisioner).toBe("file.csi.azure.com");
    expect(files?.mountOptions).toEqual(expect.arrayContaining(["uid=10000", "gid=10000", "dir_mode=0770", "file_mode=0660"]));
  });
});
