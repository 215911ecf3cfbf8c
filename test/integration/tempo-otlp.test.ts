// The root type-check reaches the classifier through the test support; its ambient typing of
// ml-logistic-regression lives in the model-service workspace, outside the root tsconfig's include.
/// <reference path="../../model-service/src/model/training/ml-logistic-regression.d.ts" />
/**
 * End to end against the real Tempo 2.0.0 that the pinned tempo chart deploys: requests to the
 * service, traced by its own tracing setup (setupTracing), reach Tempo over each OTLP protocol
 * and come back from Tempo's trace-by-id API with their span names and service.name. And the
 * reason the JSON had to change: the library's own OTLP/JSON, which writes span `flags`, is
 * refused with 400, as is each other field our JSON leaves out (only a real Tempo 2.0 shows
 * this; later ones skip unknown fields).
 * Bounded: about 10 s on this machine.
 */
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { DEFAULT_SERVICE_NAME, setupTracing } from '../../model-service/src/tracing/setup';
import { OTLP_TRACES_PROTOCOLS, tempoCompatibleJsonTraceSerializer } from '../../model-service/src/tracing/trace-exporter';
import { buildTestApp } from '../../model-service/test/support/app';
import { RunningTempo, startTempo, waitForTrace } from './support/tempo';

jest.setTimeout(30_000);

const LINKED = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };

/** A fresh W3C trace id (32 hex digits). */
function newTraceId(): string {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

describe('Tempo 2.0.0 receives and stores the service\'s traces', () => {
  let tempo: RunningTempo | undefined;
  const savedServiceName = process.env.OTEL_SERVICE_NAME;

  beforeAll(async () => {
    // service.name must be the service's own default, as in the cluster.
    delete process.env.OTEL_SERVICE_NAME;
    tempo = await startTempo();
  });
  afterAll(async () => {
    if (savedServiceName !== undefined) process.env.OTEL_SERVICE_NAME = savedServiceName;
    await tempo?.stop();
  });

  it.each(OTLP_TRACES_PROTOCOLS)('over %s', async (protocol) => {
    const warnings: string[] = [];
    const tracing = setupTracing({
      env: { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: protocol },
      tracesUrl: `${tempo!.otlpUrl}/v1/traces`,
      warn: (m) => warnings.push(m),
    });
    const app = await buildTestApp({}, { tracer: tracing.provider.getTracer('model-service') });
    const traceId = newTraceId();
    const parent = { traceId, spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED, isRemote: true };
    try {
      const response = await app.app.inject({
        method: 'POST', url: '/predict', payload: 'The telescope showed the moon',
        headers: { 'content-type': 'text/plain', traceparent: `00-${traceId}-${parent.spanId}-01` },
      });
      expect(response.statusCode).toBe(200);
      // A span with what the service's spans lack (a link, an event), so every field our
      // encodings can carry meets Tempo's decoder.
      const extra = tracing.provider.getTracer('model-service').startSpan(
        'follow-up', { links: [{ context: LINKED, attributes: { reason: 'batch' } }] }, trace.setSpanContext(ROOT_CONTEXT, parent),
      );
      extra.addEvent('note', { detail: 'from the test' });
      extra.end();
    } finally {
      await app.app.close();
      await tracing.shutdown();
    }
    // Export failures (a 400 from Tempo included) reach `warn`.
    expect(warnings).toEqual([]);

    const spans = await waitForTrace(tempo!, traceId, 6);
    expect(spans.map((s) => s.name).sort()).toEqual(['POST /predict', 'follow-up', 'predict', 'preprocess', 'tfidf', 'tokenize']);
    expect(new Set(spans.map((s) => s.serviceName))).toEqual(new Set([DEFAULT_SERVICE_NAME]));
  });

  describe('is strict about OTLP/JSON', () => {
    type ReadableSpans = Parameters<typeof JsonTraceSerializer.serializeRequest>[0];
    let spans: ReadableSpans;
    beforeAll(async () => {
      // No endpoint: the provider only makes the spans, which the serializers then write.
      const tracing = setupTracing({ env: {}, warn: () => undefined });
      const span = tracing.provider.getTracer('model-service').startSpan('POST /predict', { links: [{ context: LINKED }] });
      span.end();
      await tracing.shutdown();
      spans = [span] as unknown as ReadableSpans;
    });

    const post = async (body: string | Uint8Array): Promise<{ status: number; text: string }> => {
      const response = await fetch(`${tempo!.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      return { status: response.status, text: await response.text() };
    };

    it('refuses the library\'s unmodified OTLP/JSON (span flags) with 400, and takes ours', async () => {
      const library = await post(JsonTraceSerializer.serializeRequest(spans)!);
      expect(library.status).toBe(400);
      // The first unknown field it meets: the link's (links come before the span's flags).
      expect((JSON.parse(library.text) as { message: string }).message).toMatch(/^unknown field "flags" in v1\.Span(_Link)?$/);
      expect((await post(tempoCompatibleJsonTraceSerializer.serializeRequest(spans)!)).status).toBe(200);
    });

    type Body = {
      resourceSpans: {
        resource: Record<string, unknown>;
        scopeSpans: { scope: Record<string, unknown>; spans: (Record<string, unknown> & { links: Record<string, unknown>[] })[] }[];
      }[];
    };
    // Each field our JSON leaves out (see tempoCompatibleJsonTraceSerializer), added back alone.
    it.each<[string, (body: Body) => void, string]>([
      ['span flags', (b) => (b.resourceSpans[0].scopeSpans[0].spans[0].flags = 0x101), '"flags" in v1.Span'],
      ['link flags', (b) => (b.resourceSpans[0].scopeSpans[0].spans[0].links[0].flags = 0x101), '"flags" in v1.Span_Link'],
      ['resource schemaUrl', (b) => (b.resourceSpans[0].resource.schemaUrl = 'https://opentelemetry.io/schemas/1.26.0'), '"schemaUrl" in v1.Resource'],
      ['scope attributes', (b) => (b.resourceSpans[0].scopeSpans[0].scope.attributes = []), '"attributes" in v1.InstrumentationScope'],
      ['scope droppedAttributesCount', (b) => (b.resourceSpans[0].scopeSpans[0].scope.droppedAttributesCount = 0), '"droppedAttributesCount" in v1.InstrumentationScope'],
    ])('refuses %s', async (_field, add, message) => {
      const body = JSON.parse(new TextDecoder().decode(tempoCompatibleJsonTraceSerializer.serializeRequest(spans))) as Body;
      add(body);
      const answer = await post(JSON.stringify(body));
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.text)).toMatchObject({ message: `unknown field ${message}` });
    });
  });
});
