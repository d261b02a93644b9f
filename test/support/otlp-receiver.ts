/**
 * A local OTLP/HTTP trace receiver for tests: accepts POST /v1/traces as `application/json` or
 * `application/x-protobuf` and keeps every span, flattened with its resource's attributes. The
 * protobuf body is read with a wire-format reader over the OTLP field numbers (trace.proto), not
 * with the exporter's own encoder, so the test checks what actually went over the wire.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";

export type AttributeValue = string | number | boolean | bigint | null;

export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** "" for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly resource: Readonly<Record<string, AttributeValue>>;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  readonly statusCode: number;
  readonly contentType: string;
}

export interface OtlpReceiver {
  readonly url: string;
  readonly spans: ReceivedSpan[];
  readonly contentTypes: Set<string>;
  close(): Promise<void>;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

/** Reads a length-delimited sub-message and hands each of its fields to `field`. */
function fields(bytes: Uint8Array, field: (no: number, type: WireType, reader: BinaryReader) => void): void {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [no, type] = reader.tag();
    const before = reader.pos;
    field(no, type, reader);
    if (reader.pos === before) reader.skip(type, no);
  }
}

function anyValue(bytes: Uint8Array): AttributeValue {
  let value: AttributeValue = null;
  fields(bytes, (no, _type, reader) => {
    if (no === 1) value = reader.string();
    else if (no === 2) value = reader.bool();
    else if (no === 3) value = BigInt(reader.int64());
    else if (no === 4) value = reader.double();
  });
  return value;
}

function keyValue(bytes: Uint8Array, into: Record<string, AttributeValue>): void {
  let key = "";
  let value: AttributeValue = null;
  fields(bytes, (no, _type, reader) => {
    if (no === 1) key = reader.string();
    else if (no === 2) value = anyValue(reader.bytes());
  });
  into[key] = value;
}

function decodeProtobuf(body: Uint8Array, contentType: string): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  fields(body, (no, _t, reader) => {
    if (no !== 1) return;
    const resource: Record<string, AttributeValue> = {};
    const scopeSpans: Uint8Array[] = [];
    fields(reader.bytes(), (rno, _rt, r) => {
      if (rno === 1) fields(r.bytes(), (ano, _at, a) => ano === 1 && keyValue(a.bytes(), resource));
      else if (rno === 2) scopeSpans.push(r.bytes());
    });
    for (const scope of scopeSpans) {
      fields(scope, (sno, _st, s) => {
        if (sno !== 2) return;
        const span = { traceId: "", spanId: "", parentSpanId: "", name: "", startNs: 0n, endNs: 0n, statusCode: 0 };
        const attributes: Record<string, AttributeValue> = {};
        fields(s.bytes(), (fno, _ft, f) => {
          if (fno === 1) span.traceId = hex(f.bytes());
          else if (fno === 2) span.spanId = hex(f.bytes());
          else if (fno === 4) span.parentSpanId = hex(f.bytes());
          else if (fno === 5) span.name = f.string();
          else if (fno === 7) span.startNs = BigInt(f.fixed64());
          else if (fno === 8) span.endNs = BigInt(f.fixed64());
          else if (fno === 9) keyValue(f.bytes(), attributes);
          else if (fno === 15) fields(f.bytes(), (cno, _ct, c) => cno === 3 && (span.statusCode = c.int32()));
        });
        spans.push({ ...span, attributes, resource, contentType });
      });
    }
  });
  return spans;
}

interface JsonAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
}
interface JsonKeyValue {
  key: string;
  value: JsonAnyValue;
}

function jsonAttributes(list: JsonKeyValue[] | undefined): Record<string, AttributeValue> {
  const result: Record<string, AttributeValue> = {};
  for (const { key, value } of list ?? []) {
    result[key] =
      value.stringValue ??
      value.boolValue ??
      (value.intValue !== undefined ? BigInt(value.intValue) : (value.doubleValue ?? null));
  }
  return result;
}

/** OTLP/JSON: ids are hex strings, times decimal strings (the exporter's JSON mapping). */
function decodeJson(body: Uint8Array, contentType: string): ReceivedSpan[] {
  const request = JSON.parse(Buffer.from(body).toString("utf8")) as {
    resourceSpans: {
      resource?: { attributes?: JsonKeyValue[] };
      scopeSpans: {
        spans: {
          traceId: string;
          spanId: string;
          parentSpanId?: string;
          name: string;
          startTimeUnixNano: string | number;
          endTimeUnixNano: string | number;
          attributes?: JsonKeyValue[];
          status?: { code?: number };
        }[];
      }[];
    }[];
  };
  return request.resourceSpans.flatMap((resourceSpans) => {
    const resource = jsonAttributes(resourceSpans.resource?.attributes);
    return resourceSpans.scopeSpans.flatMap((scope) =>
      scope.spans.map((span) => ({
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId ?? "",
        name: span.name,
        startNs: BigInt(span.startTimeUnixNano),
        endNs: BigInt(span.endTimeUnixNano),
        attributes: jsonAttributes(span.attributes),
        resource,
        statusCode: span.status?.code ?? 0,
        contentType,
      })),
    );
  });
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const contentTypes = new Set<string>();
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const type = String(request.headers["content-type"] ?? "")
        .split(";")[0]!
        .trim();
      try {
        if (request.method !== "POST" || request.url !== "/v1/traces")
          throw new Error(`unexpected ${request.method} ${request.url}`);
        const body = Buffer.concat(chunks);
        if (type === "application/x-protobuf") spans.push(...decodeProtobuf(body, type));
        else if (type === "application/json") spans.push(...decodeJson(body, type));
        else throw new Error(`unexpected content-type ${type}`);
        contentTypes.add(type);
        response.writeHead(200, { "content-type": type }).end(type === "application/json" ? "{}" : undefined);
      } catch (error) {
        response.writeHead(400, { "content-type": "text/plain" }).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    contentTypes,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
