/**
 * Cost of serialising one export batch of the service's spans to OTLP/JSON:
 * the library's JsonTraceSerializer versus the direct byte encoder the service
 * exports with (src/tracing/otlp-json-encoder.ts). The spans are real SDK spans
 * with the service's names, parents and attributes (5 per /predict request).
 *
 *   npm run build -w model-service && node model-service/build/bench/otlp-serializer-bench.js [--batch 512] [--rounds 200]
 */
import { parseArgs } from 'node:util';
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { directJsonTraceSerializer } from '../src/tracing/otlp-exporter';

/** `count` ended SDK spans shaped like the service's: server span, preprocess (tokenize, tfidf), predict. */
export function serviceLikeSpans(count: number): ReadableSpan[] {
  const ended: ReadableSpan[] = [];
  const collector: SpanProcessor = {
    onStart: () => undefined,
    onEnd: (span) => {
      ended.push(span);
    },
    forceFlush: async () => undefined,
    shutdown: async () => undefined,
  };
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'model-service', 'telemetry.sdk.language': 'nodejs' }),
    spanProcessors: [collector],
  });
  const tracer = provider.getTracer('model-service');
  while (ended.length < count) {
    const server = tracer.startSpan('POST', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'POST' } }, ROOT_CONTEXT);
    const parent = trace.setSpan(ROOT_CONTEXT, server);
    const preprocess = tracer.startSpan('preprocess', undefined, parent);
    const inner = trace.setSpan(ROOT_CONTEXT, preprocess);
    tracer.startSpan('tokenize', undefined, inner).end();
    tracer.startSpan('tfidf', undefined, inner).end();
    preprocess.end();
    const predict = tracer.startSpan('predict', undefined, parent);
    predict.setAttributes({
      'ml.model.version': '98cdf6ee87201bcb',
      'ml.prediction.class': 'rec.sport.hockey',
      'ml.prediction.confidence': 0.9731,
      'ml.document.tokens': 214,
      'ml.document.oov_tokens': 9,
    });
    predict.end();
    server.updateName('POST /predict');
    server.setAttributes({
      'http.route': '/predict', 'url.path': '/predict', 'http.response.status_code': 200,
      'ml.model.version': '98cdf6ee87201bcb', 'ml.prediction.class': 'rec.sport.hockey',
    });
    server.end();
  }
  return ended.slice(0, count);
}

function main(): void {
  const { values } = parseArgs({ options: { batch: { type: 'string', default: '512' }, rounds: { type: 'string', default: '200' } } });
  const batch = Number(values.batch);
  const rounds = Number(values.rounds);
  const spans = serviceLikeSpans(batch);
  const serializers = [
    ['library JsonTraceSerializer', JsonTraceSerializer],
    ['direct byte encoder (otlp-json-encoder.ts)', directJsonTraceSerializer],
  ] as const;
  console.log(`${batch}-span batches of the service's spans, ${rounds} batches per trial, best of 5 trials:`);
  for (const [name, serializer] of serializers) {
    let size = 0;
    for (let i = 0; i < 50; i++) size = serializer.serializeRequest(spans)!.length;
    let best = Infinity;
    for (let trial = 0; trial < 5; trial++) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < rounds; i++) serializer.serializeRequest(spans);
      best = Math.min(best, Number(process.hrtime.bigint() - start) / rounds / batch / 1000);
    }
    console.log(`  ${name.padEnd(44)} ${best.toFixed(2)} us/span, ${(size / batch).toFixed(0)} bytes/span`);
  }
}

if (require.main === module) main();
