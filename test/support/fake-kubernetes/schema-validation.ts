/**
 * What the fake API server checks before it stores an object: the published Kubernetes OpenAPI
 * schemas, through `kubernetes-models` 4.5.1 (models and validators generated from Kubernetes
 * 1.33's OpenAPI: it has 1.33's `stopSignal` and lacks 1.34's `hostnameOverride`), plus the
 * DNS-1123 name rule the schemas do not express. A failure is the API's 422 Invalid.
 */
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { Job } from "kubernetes-models/batch/v1/Job";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import { StorageClass } from "kubernetes-models/storage.k8s.io/v1/StorageClass";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Event } from "kubernetes-models/v1/Event";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { Pod } from "kubernetes-models/v1/Pod";
import { Secret } from "kubernetes-models/v1/Secret";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";

export const SCHEMA_SOURCE = "kubernetes-models 4.5.1 (Kubernetes 1.33 OpenAPI)";

type Validatable = { validate(): void };
const MODELS: Readonly<Record<string, (data: never) => Validatable>> = {
  Job: (data) => new Job(data),
  Pod: (data) => new Pod(data),
  PersistentVolumeClaim: (data) => new PersistentVolumeClaim(data),
  NetworkPolicy: (data) => new NetworkPolicy(data),
  Event: (data) => new Event(data),
  Secret: (data) => new Secret(data),
  // The kinds deploy/kubernetes/ holds, validated by the deploy manifest tests.
  Namespace: (data) => new Namespace(data),
  ServiceAccount: (data) => new ServiceAccount(data),
  Role: (data) => new Role(data),
  RoleBinding: (data) => new RoleBinding(data),
  StorageClass: (data) => new StorageClass(data),
  ConfigMap: (data) => new ConfigMap(data),
  Deployment: (data) => new Deployment(data),
};

export const VALIDATED_KINDS: readonly string[] = Object.keys(MODELS);

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export class SchemaError extends Error {
  override readonly name = "SchemaError";
}

/** Throws SchemaError naming what is wrong; `kind` is the object's kind. */
export function validateObject(kind: string, object: Record<string, unknown>): void {
  const model = MODELS[kind];
  if (!model) throw new SchemaError(`no schema for kind ${kind}`);
  const metadata = (object.metadata ?? {}) as { name?: unknown; labels?: Record<string, unknown> };
  const name = typeof metadata.name === "string" ? metadata.name : "";
  // Jobs and pods need DNS labels (their names become pod and host names); the rest subdomains.
  const rule = kind === "Job" || kind === "Pod" ? DNS_1123_LABEL : DNS_1123_SUBDOMAIN;
  if (!rule.test(name) || name.length > (kind === "Job" || kind === "Pod" ? 63 : 253)) {
    throw new SchemaError(
      `metadata.name: Invalid value: "${name}": must be a lowercase RFC 1123 ${kind === "Job" || kind === "Pod" ? "label" : "subdomain"}`,
    );
  }
  for (const [key, value] of Object.entries(metadata.labels ?? {})) {
    if (typeof value !== "string" || value.length > 63 || !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(value)) {
      throw new SchemaError(`metadata.labels: Invalid value: "${String(value)}" for ${key}: must be a valid label value`);
    }
  }
  try {
    model(object as never).validate();
  } catch (error) {
    throw new SchemaError(`${kind} ${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
