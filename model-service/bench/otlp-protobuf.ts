/**
 * OTLP/protobuf ExportTraceServiceRequest decoding for the benchmark sink and the tests'
 * receivers, with protobufjs and the upstream OTLP .proto files.
 *
 * @opentelemetry/otlp-transformer 0.222 (our release line) no longer ships a generated protobuf
 * root: it encodes with a hand-written writer and reads only export responses. The .proto files
 * come from @elastic/mockotlpserver, Elastic's OTLP test receiver, which ships them unmodified
 * (opentelemetry-proto v1.4.0, see its opentelemetry/proto/collector/README.md).
 */
import { dirname, isAbsolute, join } from 'node:path';
import { Reader, Root, Type } from 'protobufjs';

const PROTO_ROOT = dirname(require.resolve('@elastic/mockotlpserver/package.json'));
const TRACE_SERVICE_PROTO = 'opentelemetry/proto/collector/trace/v1/trace_service.proto';

let requestType: Type | undefined;

/** The ExportTraceServiceRequest message type, loaded on first use. */
export function exportTraceServiceRequestType(): Type {
  if (requestType === undefined) {
    const root = new Root();
    // The files import each other by their path from the proto root ("opentelemetry/proto/...");
    // protobufjs would resolve those against the importing file's folder.
    root.resolvePath = (_origin, target) => (isAbsolute(target) ? target : join(PROTO_ROOT, target));
    root.loadSync(TRACE_SERVICE_PROTO);
    requestType = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
  }
  return requestType;
}

/**
 * Decodes an OTLP/protobuf body into a plain object in OTLP/JSON's field names, with 64-bit
 * integers as decimal strings, ids as bytes and unset fields absent; throws on anything that is
 * not an ExportTraceServiceRequest.
 */
export function decodeTraceRequestProtobuf(body: Uint8Array): Record<string, unknown> {
  const type = exportTraceServiceRequestType();
  return type.toObject(type.decode(body), { longs: String, enums: Number });
}

/** Field numbers on the path request -> resourceSpans -> scopeSpans -> spans, from the .proto files. */
let spanPath: readonly number[] | undefined;

function spanPathFieldIds(): readonly number[] {
  if (spanPath === undefined) {
    const request = exportTraceServiceRequestType();
    const resourceSpans = request.fields.resourceSpans;
    const scopeSpans = request.root.lookupType(resourceSpans.type).fields.scopeSpans;
    const spans = request.root.lookupType(scopeSpans.type).fields.spans;
    spanPath = [resourceSpans.id, scopeSpans.id, spans.id];
  }
  return spanPath;
}

/** Protobuf wire type of embedded messages (length-delimited). */
const LENGTH_DELIMITED = 2;

/**
 * Counts the spans in an OTLP/protobuf body without decoding them: the benchmark's sink shares a
 * core with the load generator, and a full decode (~1.1 µs per span here, against ~0.3 µs for the
 * JSON byte scan) would take that core from wrk at ~60k spans/s. Walks the three levels above
 * the spans with protobufjs's Reader and skips everything else.
 */
export function countSpansProtobuf(body: Uint8Array): number {
  const path = spanPathFieldIds();
  const reader = Reader.create(body);
  let count = 0;
  const walk = (end: number, depth: number): void => {
    while (reader.pos < end) {
      const tag = reader.uint32();
      const wireType = tag & 7;
      if (tag >>> 3 === path[depth] && wireType === LENGTH_DELIMITED) {
        const length = reader.uint32();
        if (depth === path.length - 1) {
          count += 1;
          reader.skip(length);
        } else {
          walk(reader.pos + length, depth + 1);
        }
      } else {
        reader.skipType(wireType);
      }
    }
    if (reader.pos !== end) throw new Error('malformed OTLP/protobuf body: a message overruns its length');
  };
  walk(reader.len, 0);
  return count;
}
