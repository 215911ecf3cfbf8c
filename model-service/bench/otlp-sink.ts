/**
 * A local OTLP/HTTP traces receiver: accepts what the service's exporter
 * really sends (POST /v1/traces, OTLP/JSON or OTLP/protobuf, optionally
 * gzip-compressed), decodes it and counts or keeps the spans. The benchmark
 * exports to it so the cost of tracing includes serialising and sending spans
 * (an exporter pointed at a closed port drops spans without serialising them
 * and under-states the cost), and the tests decode it to check span names,
 * parents and attributes.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { countSpansProtobuf, decodeTraceRequestProtobuf } from './otlp-protobuf';

/** One decoded span, flattened from resourceSpans[].scopeSpans[].spans[]. */
export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly name: string;
  /** OTLP SpanKind number (2 = SERVER, 1 = INTERNAL). */
  readonly kind: number;
  readonly startTimeUnixNano: string;
  readonly endTimeUnixNano: string;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
  readonly status: { readonly code?: number; readonly message?: string };
  readonly resource: Readonly<Record<string, string | number | boolean>>;
}

export interface OtlpSinkOptions {
  /**
   * Decode every request fully and keep the spans in `spans` (tests). Otherwise
   * (benchmarks) only count the spans (a byte scan of JSON, a walk of the
   * protobuf framing): the sink shares a CPU with the load generator, and fully
   * decoding ~60k spans/s would slow wrk down and make the service look slower
   * than it is.
   */
  readonly keepSpans?: boolean;
  /** Port on 127.0.0.1; default any free port. */
  readonly port?: number;
}

export interface OtlpSink {
  /** Base endpoint to put in OTEL_EXPORTER_OTLP_ENDPOINT (the exporter appends /v1/traces). */
  readonly endpoint: string;
  readonly spans: ReceivedSpan[];
  /** Spans received so far. */
  spanCount(): number;
  /** Export requests received so far, and how many could not be decoded. */
  requestCount(): number;
  rejectedCount(): number;
  /** Decoded export requests per Content-Type (without parameters), e.g. {"application/x-protobuf": 3}. */
  requestsByContentType(): Readonly<Record<string, number>>;
  /** Body bytes (uncompressed) and spans of the decoded requests, per Content-Type. */
  trafficByContentType(): Readonly<Record<string, { readonly bytes: number; readonly spans: number }>>;
  /** Resolves when at least `count` spans have arrived (or rejects after `timeoutMs`). */
  waitForSpans(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

type OtlpAnyValue = {
  stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean;
};
type OtlpKeyValue = { key: string; value?: OtlpAnyValue };

/** An ExportTraceServiceRequest as both decoders see it: ids are hex strings in JSON, bytes in protobuf. */
interface OtlpRequest<Id> {
  resourceSpans?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: {
      spans?: {
        traceId: Id; spanId: Id; parentSpanId?: Id; name: string; kind?: number;
        startTimeUnixNano: string; endTimeUnixNano: string; attributes?: OtlpKeyValue[];
        status?: { code?: number; message?: string };
      }[];
    }[];
  }[];
}

function attributeMap(list: OtlpKeyValue[] | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of list ?? []) {
    if (value === undefined) continue;
    if (value.stringValue !== undefined) out[key] = value.stringValue;
    else if (value.intValue !== undefined) out[key] = Number(value.intValue);
    else if (value.doubleValue !== undefined) out[key] = value.doubleValue;
    else if (value.boolValue !== undefined) out[key] = value.boolValue;
  }
  return out;
}

/** Decodes an OTLP/JSON ExportTraceServiceRequest into flat spans. Throws on anything else. */
export function decodeOtlpJson(body: Buffer): ReceivedSpan[] {
  const request = JSON.parse(body.toString('utf8')) as OtlpRequest<string>;
  if (!Array.isArray(request.resourceSpans)) throw new Error('not an OTLP ExportTraceServiceRequest: no resourceSpans');
  return flatten(request, (id) => id ?? '');
}

/** Decodes an OTLP/protobuf ExportTraceServiceRequest into flat spans (ids as lower-case hex, like OTLP/JSON). */
export function decodeOtlpProtobuf(body: Buffer): ReceivedSpan[] {
  return flatten(decodeTraceRequestProtobuf(body) as OtlpRequest<Uint8Array>, (id) => (id === undefined ? '' : Buffer.from(id).toString('hex')));
}

/** The content types the service's exporters send, and how each is decoded. */
const DECODERS: Readonly<Record<string, (body: Buffer) => ReceivedSpan[]>> = {
  'application/json': decodeOtlpJson,
  'application/x-protobuf': decodeOtlpProtobuf,
};

/** `application/json; charset=utf-8` -> `application/json` */
function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/** Decodes an export request body by its Content-Type; throws for a type that is not OTLP/HTTP. */
export function decodeOtlp(contentType: string | undefined, body: Buffer): ReceivedSpan[] {
  const decode = DECODERS[mediaType(contentType)];
  if (decode === undefined) throw new Error(`not an OTLP/HTTP content type: ${contentType ?? '(none)'}`);
  return decode(body);
}

function flatten<Id>(request: OtlpRequest<Id>, hex: (id: Id | undefined) => string): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    const resource = attributeMap(resourceSpans.resource?.attributes);
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        const traceId = hex(span.traceId);
        const spanId = hex(span.spanId);
        if (!/^[0-9a-f]{32}$/.test(traceId) || !/^[0-9a-f]{16}$/.test(spanId)) {
          throw new Error(`span "${span.name}" has malformed ids (${traceId}/${spanId})`);
        }
        const parentSpanId = hex(span.parentSpanId);
        spans.push({
          traceId,
          spanId,
          parentSpanId: parentSpanId === '' ? undefined : parentSpanId,
          name: span.name,
          kind: span.kind ?? 0,
          startTimeUnixNano: span.startTimeUnixNano,
          endTimeUnixNano: span.endTimeUnixNano,
          attributes: attributeMap(span.attributes),
          status: span.status ?? {},
          resource,
        });
      }
    }
  }
  return spans;
}

const SPAN_ID_KEY = Buffer.from('"spanId":"');

/** Counts spans in an OTLP/JSON body without parsing it (one "spanId" per span). */
export function countSpans(body: Buffer): number {
  if (body[0] !== 0x7b /* { */) throw new Error('not an OTLP/JSON body');
  let count = 0;
  for (let at = body.indexOf(SPAN_ID_KEY); at !== -1; at = body.indexOf(SPAN_ID_KEY, at + SPAN_ID_KEY.length)) count += 1;
  return count;
}

/** Starts the receiver on 127.0.0.1. */
export async function startOtlpSink(options: OtlpSinkOptions = {}): Promise<OtlpSink> {
  const spans: ReceivedSpan[] = [];
  let spanCount = 0;
  let requestCount = 0;
  let rejectedCount = 0;
  const byContentType: Record<string, number> = {};
  const trafficByType: Record<string, { bytes: number; spans: number }> = {};
  const waiters = new Set<() => void>();

  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    requestCount += 1;
    if (req.method !== 'POST' || req.url !== '/v1/traces') {
      res.writeHead(404).end();
      return;
    }
    const type = mediaType(req.headers['content-type']);
    if (DECODERS[type] === undefined) {
      rejectedCount += 1;
      res.writeHead(415, { 'content-type': 'text/plain' }).end(`this sink decodes ${Object.keys(DECODERS).join(' and ')}`);
      return;
    }
    try {
      const raw = req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
      let received: number;
      if (options.keepSpans) {
        const decoded = decodeOtlp(type, raw);
        received = decoded.length;
        spans.push(...decoded);
      } else {
        received = type === 'application/json' ? countSpans(raw) : countSpansProtobuf(raw);
      }
      spanCount += received;
      const traffic = (trafficByType[type] ??= { bytes: 0, spans: 0 });
      traffic.bytes += raw.length;
      traffic.spans += received;
    } catch (err) {
      rejectedCount += 1;
      res.writeHead(400, { 'content-type': 'text/plain' }).end(String((err as Error).message));
      return;
    }
    byContentType[type] = (byContentType[type] ?? 0) + 1;
    // An empty ExportTraceServiceResponse, in the request's encoding (as Tempo and the collector answer).
    res.writeHead(200, { 'content-type': type }).end(type === 'application/json' ? '{}' : '');
    for (const wake of waiters) wake();
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    spanCount: () => spanCount,
    requestCount: () => requestCount,
    rejectedCount: () => rejectedCount,
    requestsByContentType: () => ({ ...byContentType }),
    trafficByContentType: () => Object.fromEntries(Object.entries(trafficByType).map(([type, t]) => [type, { ...t }])),
    waitForSpans(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        if (spanCount >= count) return resolve();
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`OTLP sink: expected ${count} spans within ${timeoutMs} ms, got ${spanCount}`));
        }, timeoutMs);
        const check = (): void => {
          if (spanCount >= count) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve();
          }
        };
        waiters.add(check);
      });
    },
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
