/**
 * The OTLP protocol variables pick the exporter (seen by the receiver as the Content-Type and
 * the encoding it decodes), bad values stop the start, and the JSON we send carries no field
 * that Tempo 2.0.0's strict JSON decoder refuses.
 */
import { ROOT_CONTEXT, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OtlpSink, startOtlpSink } from '../../bench/otlp-sink';
import { setupTracing } from '../../src/tracing/setup';
import {
  CONTENT_TYPE_OF,
  DEFAULT_TRACES_PROTOCOL,
  OTLP_TRACES_PROTOCOLS,
  tempoCompatibleJsonTraceSerializer,
  tracesProtocolFromEnv,
} from '../../src/tracing/trace-exporter';

const REMOTE_PARENT = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED, isRemote: true };
const LINKED = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };

describe('tracesProtocolFromEnv', () => {
  it(`defaults to ${DEFAULT_TRACES_PROTOCOL}, also for empty variables`, () => {
    expect(tracesProtocolFromEnv({})).toBe(DEFAULT_TRACES_PROTOCOL);
    expect(tracesProtocolFromEnv({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: '', OTEL_EXPORTER_OTLP_PROTOCOL: ' ' })).toBe(DEFAULT_TRACES_PROTOCOL);
  });

  it('takes the traces variable over the general one, and the general one alone', () => {
    expect(tracesProtocolFromEnv({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })).toBe('http/protobuf');
    expect(tracesProtocolFromEnv({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' })).toBe('http/json');
    expect(tracesProtocolFromEnv({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' })).toBe('http/protobuf');
    expect(tracesProtocolFromEnv({ OTEL_EXPORTER_OTLP_PROTOCOL: ' http/json ' })).toBe('http/json');
  });

  it.each([
    ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'grpc'],
    ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'http/JSON'],
    ['OTEL_EXPORTER_OTLP_PROTOCOL', 'protobuf'],
  ])('refuses %s=%s, naming the variable and the accepted values', (variable, value) => {
    expect(() => tracesProtocolFromEnv({ [variable]: value })).toThrow(
      `invalid environment variable ${variable}: "${value}" is not supported; use one of http/protobuf, http/json`,
    );
  });

  it('stops setupTracing at start, even with no endpoint to export to', () => {
    expect(() => setupTracing({ env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, warn: () => undefined }))
      .toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" is not supported; use one of http\/protobuf, http\/json/);
  });
});

describe.each(OTLP_TRACES_PROTOCOLS)('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=%s', (protocol) => {
  let sink: OtlpSink;
  beforeAll(async () => {
    sink = await startOtlpSink({ keepSpans: true });
  });
  afterAll(() => sink.close());

  it(`sends ${CONTENT_TYPE_OF[protocol]} that decodes to the spans, ids, parent and attributes`, async () => {
    const warnings: string[] = [];
    const tracing = setupTracing({
      env: { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: protocol },
      tracesUrl: `${sink.endpoint}/v1/traces`,
      warn: (m) => warnings.push(m),
    });
    expect(tracing.protocol).toBe(protocol);
    const tracer = tracing.provider.getTracer('model-service');
    const server = tracer.startSpan('POST /predict', {
      kind: SpanKind.SERVER,
      attributes: { 'http.response.status_code': 200, 'ml.prediction.confidence': 0.75, 'ml.prediction.class': 'astronomy' },
      links: [{ context: LINKED }],
    }, trace.setSpanContext(ROOT_CONTEXT, REMOTE_PARENT));
    tracer.startSpan('predict', {}, trace.setSpan(ROOT_CONTEXT, server)).end();
    server.end();
    await tracing.shutdown();

    expect(sink.requestsByContentType()).toEqual({ [CONTENT_TYPE_OF[protocol]]: 1 });
    expect(sink.rejectedCount()).toBe(0);
    expect(warnings).toEqual([]);
    const received = new Map(sink.spans.map((s) => [s.name, s]));
    const serverSpan = received.get('POST /predict')!;
    expect(serverSpan).toMatchObject({
      traceId: REMOTE_PARENT.traceId,
      spanId: server.spanContext().spanId,
      parentSpanId: REMOTE_PARENT.spanId,
      kind: 2,
      attributes: { 'http.response.status_code': 200, 'ml.prediction.confidence': 0.75, 'ml.prediction.class': 'astronomy' },
    });
    expect(serverSpan.resource['service.name']).toBeDefined();
    expect(received.get('predict')).toMatchObject({ traceId: REMOTE_PARENT.traceId, parentSpanId: server.spanContext().spanId });
  });
});

describe('the OTLP/JSON body', () => {
  function finishedSpans(): ReadableSpan[] {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'model-service' }, { schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const tracer = provider.getTracer('model-service', '1.0.0');
    const span = tracer.startSpan('POST /predict', { links: [{ context: LINKED, attributes: { why: 'batch' } }] }, trace.setSpanContext(ROOT_CONTEXT, REMOTE_PARENT));
    span.addEvent('exception', { 'exception.message': 'boom' });
    span.end();
    // The tracer API cannot give a scope attributes (other signals' scopes have them): add some.
    return exporter.getFinishedSpans().map((finished) => Object.create(finished, {
      instrumentationScope: { value: { ...finished.instrumentationScope, attributes: { 'scope.kind': 'test' } } },
    }) as ReadableSpan);
  }

  function keysAt(value: unknown, path = '', out = new Set<string>()): Set<string> {
    if (Array.isArray(value)) value.forEach((v) => keysAt(v, `${path}[]`, out));
    else if (value !== null && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) {
        out.add(`${path}.${key}`);
        keysAt(v, `${path}.${key}`, out);
      }
    }
    return out;
  }

  const decode = (bytes: Uint8Array | undefined): unknown => JSON.parse(new TextDecoder().decode(bytes));

  it('has none of the fields Tempo 2.0 answers with 400, which the library writes', () => {
    const refused = [
      '.resourceSpans[].scopeSpans[].spans[].flags',
      '.resourceSpans[].scopeSpans[].spans[].links[].flags',
      '.resourceSpans[].resource.schemaUrl',
      '.resourceSpans[].scopeSpans[].scope.attributes',
      '.resourceSpans[].scopeSpans[].scope.droppedAttributesCount',
    ];
    const library = keysAt(decode(JsonTraceSerializer.serializeRequest(finishedSpans())));
    const ours = keysAt(decode(tempoCompatibleJsonTraceSerializer.serializeRequest(finishedSpans())));
    expect(refused.filter((k) => library.has(k))).toEqual(refused);
    expect(refused.filter((k) => ours.has(k))).toEqual([]);
  });

  it('is otherwise exactly what the library writes', () => {
    const spans = finishedSpans();
    const ours = decode(tempoCompatibleJsonTraceSerializer.serializeRequest(spans));
    const library = decode(JsonTraceSerializer.serializeRequest(spans)) as {
      resourceSpans: {
        resource: { schemaUrl?: string };
        scopeSpans: { scope: { attributes?: unknown; droppedAttributesCount?: number }; spans: { flags?: number; links: { flags?: number }[] }[] }[];
      }[];
    };
    // The library does write the fields (else this test would prove nothing) ...
    const librarySpan = library.resourceSpans[0].scopeSpans[0].spans[0];
    expect(librarySpan.flags).toBe(0x301); // sampled, parent known to be remote, remote
    expect(librarySpan.links[0].flags).toBe(0x101);
    expect(library.resourceSpans[0].resource.schemaUrl).toBeDefined();
    const scope = library.resourceSpans[0].scopeSpans[0].scope;
    expect(scope.attributes).toBeDefined();
    // ... and they are the only difference.
    delete librarySpan.flags;
    delete librarySpan.links[0].flags;
    delete library.resourceSpans[0].resource.schemaUrl;
    delete scope.attributes;
    delete scope.droppedAttributesCount;
    expect(ours).toEqual(library);
  });
});
