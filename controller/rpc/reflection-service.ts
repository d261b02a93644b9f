/**
 * gRPC server reflection, v1 and v1alpha, answered from the file descriptors protoc-gen-es embeds in
 * gen/. With it `grpcurl -plaintext` and `buf curl` can list, describe and call our services with no
 * .proto files on hand. No npm package serves reflection from a Connect router, hence this one.
 * Reflection needs no token: it only describes the API, and every admin call is still checked.
 */
import { create, toBinary, type DescExtension, type DescFile, type DescService } from "@bufbuild/protobuf";
import { nestedTypes } from "@bufbuild/protobuf/reflect";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code, type ConnectRouter } from "@connectrpc/connect";
import * as v1 from "../../gen/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";

/** What a client asks, in the shape both protocol versions share. */
type Query =
  | { case: "fileByFilename" | "fileContainingSymbol" | "allExtensionNumbersOfType" | "listServices"; value: string }
  | { case: "fileContainingExtension"; value: { containingType: string; extensionNumber: number } }
  | { case: undefined; value?: undefined };

type Answer =
  | { case: "fileDescriptorResponse"; value: { fileDescriptorProto: Uint8Array[] } }
  | { case: "allExtensionNumbersResponse"; value: { baseTypeName: string; extensionNumber: number[] } }
  | { case: "listServicesResponse"; value: { service: { name: string }[] } }
  | { case: "errorResponse"; value: { errorCode: number; errorMessage: string } };

/** Files by name, the file defining each fully-qualified symbol, and every extension. */
class DescriptorIndex {
  readonly files = new Map<string, DescFile>();
  readonly symbols = new Map<string, DescFile>();
  readonly extensions: DescExtension[] = [];

  constructor(readonly services: readonly DescService[]) {
    for (const service of services) this.add(service.file);
  }

  private add(file: DescFile): void {
    if (this.files.has(file.proto.name)) return;
    this.files.set(file.proto.name, file);
    for (const type of nestedTypes(file)) {
      this.symbols.set(type.typeName, file);
      if (type.kind === "service") for (const method of type.methods) this.symbols.set(`${type.typeName}.${method.name}`, file);
      if (type.kind === "extension") this.extensions.push(type);
    }
    for (const dependency of file.dependencies) this.add(dependency);
  }

  /** The file and everything it imports, transitively, each serialized once. */
  withDependencies(file: DescFile): Uint8Array[] {
    const seen = new Set<string>();
    const out: Uint8Array[] = [];
    const visit = (current: DescFile) => {
      if (seen.has(current.proto.name)) return;
      seen.add(current.proto.name);
      out.push(toBinary(FileDescriptorProtoSchema, current.proto));
      for (const dependency of current.dependencies) visit(dependency);
    };
    visit(file);
    return out;
  }
}

const notFound = (message: string): Answer => ({
  case: "errorResponse",
  value: { errorCode: Code.NotFound, errorMessage: message },
});

function answer(index: DescriptorIndex, query: Query): Answer {
  switch (query.case) {
    case "listServices":
      return { case: "listServicesResponse", value: { service: index.services.map((service) => ({ name: service.typeName })) } };
    case "fileByFilename": {
      const file = index.files.get(query.value);
      return file
        ? { case: "fileDescriptorResponse", value: { fileDescriptorProto: index.withDependencies(file) } }
        : notFound(`file '${query.value}' not found`);
    }
    case "fileContainingSymbol": {
      const file = index.symbols.get(query.value.replace(/^\./, ""));
      return file
        ? { case: "fileDescriptorResponse", value: { fileDescriptorProto: index.withDependencies(file) } }
        : notFound(`symbol '${query.value}' not found`);
    }
    case "allExtensionNumbersOfType": {
      if (!index.symbols.has(query.value)) return notFound(`type '${query.value}' not found`);
      const numbers = index.extensions
        .filter((extension) => extension.extendee.typeName === query.value)
        .map((extension) => extension.number);
      return { case: "allExtensionNumbersResponse", value: { baseTypeName: query.value, extensionNumber: numbers } };
    }
    case "fileContainingExtension": {
      const { containingType, extensionNumber } = query.value;
      const found = index.extensions.find(
        (extension) => extension.extendee.typeName === containingType && extension.number === extensionNumber,
      );
      return found
        ? { case: "fileDescriptorResponse", value: { fileDescriptorProto: index.withDependencies(found.file) } }
        : notFound(`extension ${extensionNumber} of '${containingType}' not found`);
    }
    case undefined:
      return { case: "errorResponse", value: { errorCode: Code.InvalidArgument, errorMessage: "empty reflection request" } };
  }
}

/** Serves both reflection versions for `services` (plus the reflection services themselves). */
export function registerReflection(router: ConnectRouter, services: readonly DescService[]): void {
  const index = new DescriptorIndex([...services, v1.ServerReflection, v1alpha.ServerReflection]);
  router.service(v1.ServerReflection, {
    async *serverReflectionInfo(requests) {
      for await (const request of requests) {
        yield create(v1.ServerReflectionResponseSchema, {
          validHost: request.host,
          originalRequest: request,
          messageResponse: answer(index, request.messageRequest),
        });
      }
    },
  });
  router.service(v1alpha.ServerReflection, {
    async *serverReflectionInfo(requests) {
      for await (const request of requests) {
        yield create(v1alpha.ServerReflectionResponseSchema, {
          validHost: request.host,
          originalRequest: request,
          messageResponse: answer(index, request.messageRequest),
        });
      }
    },
  });
}
