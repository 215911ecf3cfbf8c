/**
 * The real exporter (OTLP/HTTP JSON) sends to an in-process receiver that
 * decodes the payload; the spans must form the documented tree.
 */
import { trace } from '@opentelemetry/api';
import { startOtlpSink, OtlpSink, ReceivedSpan } from '../../bench/otlp-sink';
import { MODEL_ATTRIBUTES } from '../../src/inference/classify-document';
import { diagToWarn, setupTracing, TracingHandle } from '../../src/tracing/setup';
import { buildTestApp, TestApp } from '../support/app';

const REMOTE_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const REMOTE_PARENT_ID = '00f067aa0ba902b7';
const SPAN_KIND_SERVER = 2;

describe('request spans exported over OTLP/HTTP', () => {
  let sink: OtlpSink;
  let tracing: TracingHandle;
  let t: TestApp;
  const warnings: string[] = [];

  beforeAll(async () => {
    sink = await startOtlpSink({ keepSpans: true });
    // The SDK's resource detector reads these from process.env.
    process.env.OTEL_SERVICE_NAME = 'model-service-test';
    process.env.OTEL_RESOURCE_ATTRIBUTES = 'deployment.environment=test';
    tracing = setupTracing({
      env: {},
      tracesUrl: `${sink.endpoint}/v1/traces`,
      warn: (m) => warnings.push(m),
    });
    t = await buildTestApp({}, { tracer: tracing.provider.getTracer('model-service') });
  });
  afterAll(async () => {
    delete process.env.OTEL_SERVICE_NAME;
    delete process.env.OTEL_RESOURCE_ATTRIBUTES;
    await t.app.close();
    await tracing.shutdown();
    await sink.close();
  });

  function byName(spans: ReceivedSpan[], name: string): ReceivedSpan {
    const found = spans.filter((s) => s.name === name);
    expect(found).toHaveLength(1);
    return found[0];
  }

  it('exports server -> preprocess (tokenize, tfidf) -> predict with model attributes, continuing traceparent', async () => {
    const response = await t.app.inject({
      method: 'POST', url: '/predict', payload: 'The telescope showed the moon',
      headers: { 'content-type': 'text/plain', traceparent: `00-${REMOTE_TRACE_ID}-${REMOTE_PARENT_ID}-01` },
    });
    expect(response.statusCode).toBe(200);
    await tracing.provider.forceFlush();
    await sink.waitForSpans(5);

    const spans = sink.spans.filter((s) => s.traceId === REMOTE_TRACE_ID);
    expect(spans.map((s) => s.name).sort()).toEqual(['POST /predict', 'predict', 'preprocess', 'tfidf', 'tokenize']);
    const server = byName(spans, 'POST /predict');
    const preprocess = byName(spans, 'preprocess');
    const predict = byName(spans, 'predict');
    expect(server.parentSpanId).toBe(REMOTE_PARENT_ID);
    expect(server.kind).toBe(SPAN_KIND_SERVER);
    expect(preprocess.parentSpanId).toBe(server.spanId);
    expect(byName(spans, 'tokenize').parentSpanId).toBe(preprocess.spanId);
    expect(byName(spans, 'tfidf').parentSpanId).toBe(preprocess.spanId);
    expect(predict.parentSpanId).toBe(server.spanId);

    expect(server.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/predict',
      'http.response.status_code': 200,
      [MODEL_ATTRIBUTES.version]: t.model.classifier.version,
      [MODEL_ATTRIBUTES.predictedClass]: 'astronomy',
    });
    expect(predict.attributes).toMatchObject({
      [MODEL_ATTRIBUTES.version]: t.model.classifier.version,
      [MODEL_ATTRIBUTES.predictedClass]: 'astronomy',
    });
    expect(predict.attributes[MODEL_ATTRIBUTES.confidence]).toBeGreaterThan(0.3);
    expect(server.resource).toMatchObject({ 'service.name': 'model-service-test', 'deployment.environment': 'test' });
    // Children lie within the server span.
    for (const child of [preprocess, predict]) {
      expect(BigInt(child.startTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(server.startTimeUnixNano));
      expect(BigInt(child.endTimeUnixNano)).toBeLessThanOrEqual(BigInt(server.endTimeUnixNano));
    }
    expect(sink.rejectedCount()).toBe(0);
  });

  it('starts a new trace without traceparent, one span set per batch document, and marks nothing as error for a 4xx', async () => {
    const before = sink.spanCount();
    const batch = await t.app.inject({
      method: 'POST', url: '/predict', payload: JSON.stringify({ texts: ['garlic', 'sail'] }), headers: { 'content-type': 'application/json' },
    });
    expect(batch.statusCode).toBe(200);
    const bad = await t.app.inject({ method: 'POST', url: '/predict', payload: '', headers: { 'content-type': 'text/plain' } });
    expect(bad.statusCode).toBe(400);
    await tracing.provider.forceFlush();
    await sink.waitForSpans(before + 1 + 8 + 1);
    const servers = sink.spans.slice(before).filter((s) => s.name === 'POST /predict');
    expect(servers).toHaveLength(2);
    expect(servers.every((s) => s.parentSpanId === undefined)).toBe(true);
    const batchTrace = servers.find((s) => s.attributes['http.response.status_code'] === 200)!;
    expect(sink.spans.filter((s) => s.traceId === batchTrace.traceId && s.name === 'predict')).toHaveLength(2);
    const badSpan = servers.find((s) => s.attributes['http.response.status_code'] === 400)!;
    expect(badSpan.status.code ?? 0).toBe(0);
    expect(bad.json().traceId).toBe(badSpan.traceId);
  });

  it('warns once and exports nothing when no endpoint is configured', () => {
    const messages: string[] = [];
    const handle = setupTracing({ env: {}, warn: (m) => messages.push(m) });
    expect(handle.exporting).toBe(false);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/OTEL_EXPORTER_OTLP_ENDPOINT/);
    const span = handle.provider.getTracer('t').startSpan('x');
    // Spans still get ids (logs stay correlated) but go nowhere.
    expect(trace.isSpanContextValid(span.spanContext())).toBe(true);
    span.end();
    return handle.shutdown();
  });
});

describe('SDK warnings', () => {
  it('are rate-limited per kind, with a count of what was suppressed', () => {
    const lines: string[] = [];
    let clock = 0;
    const logger = diagToWarn((m) => lines.push(m), () => clock);
    for (let i = 0; i < 100; i += 1) {
      logger.warn(`Dropped ${i} spans because maxQueueSize reached`);
      clock += 50;
    }
    logger.error('export failed', new Error('ECONNREFUSED'));
    clock += 10_000;
    logger.warn('Dropped 7 spans because maxQueueSize reached');
    expect(lines).toEqual([
      'opentelemetry: Dropped 0 spans because maxQueueSize reached',
      'opentelemetry: export failed ECONNREFUSED',
      'opentelemetry: Dropped 7 spans because maxQueueSize reached (99 similar messages suppressed in the last 15 s)',
    ]);
  });
});
