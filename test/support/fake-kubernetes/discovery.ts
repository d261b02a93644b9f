/** Discovery documents, so kubectl can resolve `jobs`, `pvc` and `networkpolicies` against the fake. */

export interface ResourceInfo {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly kind: string;
  readonly shortNames?: readonly string[];
  readonly singular: string;
}

export const RESOURCES: readonly ResourceInfo[] = [
  { group: "", version: "v1", resource: "pods", kind: "Pod", shortNames: ["po"], singular: "pod" },
  {
    group: "",
    version: "v1",
    resource: "persistentvolumeclaims",
    kind: "PersistentVolumeClaim",
    shortNames: ["pvc"],
    singular: "persistentvolumeclaim",
  },
  { group: "", version: "v1", resource: "events", kind: "Event", shortNames: ["ev"], singular: "event" },
  { group: "", version: "v1", resource: "secrets", kind: "Secret", singular: "secret" },
  { group: "batch", version: "v1", resource: "jobs", kind: "Job", singular: "job" },
  {
    group: "networking.k8s.io",
    version: "v1",
    resource: "networkpolicies",
    kind: "NetworkPolicy",
    shortNames: ["netpol"],
    singular: "networkpolicy",
  },
];

const VERBS = ["create", "delete", "get", "list", "watch"];

export function resourceList(group: string, version: string) {
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: group ? `${group}/${version}` : version,
    resources: RESOURCES.filter((r) => r.group === group && r.version === version).map((r) => ({
      name: r.resource,
      singularName: r.singular,
      namespaced: true,
      kind: r.kind,
      verbs: VERBS,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
    })),
  };
}

export function groupList() {
  const groups = ["batch", "networking.k8s.io", "metrics.k8s.io"].map((name) => {
    const version = name === "metrics.k8s.io" ? "v1beta1" : "v1";
    const gv = { groupVersion: `${name}/${version}`, version };
    return { name, versions: [gv], preferredVersion: gv };
  });
  return { kind: "APIGroupList", apiVersion: "v1", groups };
}

export const CORE_VERSIONS = {
  kind: "APIVersions",
  versions: ["v1"],
  serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "127.0.0.1" }],
};

export const VERSION = { major: "1", minor: "33", gitVersion: "v1.33.0-rap-fake", platform: "linux/amd64" };

export function resourceFor(group: string, version: string, resource: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.resource === resource);
}
