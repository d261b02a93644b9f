/** agent.v1 messages to runtime-driver types, and executor results to update payloads. */
import type { JsonObject } from "@bufbuild/protobuf";
import type { JobDefinition as ProtoJobDefinition } from "../gen/agent/v1/agent_pb.js";
import type { JobDefinition, OutputPrivacy } from "../runtime-drivers/index.js";

export function jobFromProto(definition: ProtoJobDefinition): JobDefinition {
  return {
    id: definition.id,
    rapId: definition.rapId,
    taskId: definition.taskId,
    repoUrl: definition.repoUrl,
    commit: definition.commit,
    study: {
      gitRepoUrl: definition.study?.gitRepoUrl ?? definition.repoUrl,
      commit: definition.study?.commit ?? definition.commit,
      branch: definition.study?.branch ?? "",
    },
    workspace: definition.workspace,
    action: definition.action,
    createdAt: Number(definition.createdAt),
    image: definition.image,
    imageSha: definition.imageSha,
    args: [...definition.args],
    env: { ...definition.env },
    inputJobIds: [...definition.inputJobIds],
    outputSpec: { ...definition.outputSpec } as Record<string, OutputPrivacy>,
    allowDatabaseAccess: definition.allowDatabaseAccess,
    level4MaxCsvRows: Number(definition.level4MaxCsvRows),
    level4MaxFilesize: Number(definition.level4MaxFilesize),
    // Upstream's rule for definitions from older controllers: CSV only.
    level4FileTypes: definition.level4FileTypes.length > 0 ? [...definition.level4FileTypes] : [".csv"],
    user: definition.user,
    databaseName: definition.databaseName,
    cpuCount: definition.cpuCount || undefined,
    memoryLimit: definition.memoryLimit || undefined,
  };
}

/** Results are JSON already (metadata.json content); this narrows the type for the Struct field. */
export function asJsonObject(value: Readonly<Record<string, unknown>>): JsonObject {
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}
