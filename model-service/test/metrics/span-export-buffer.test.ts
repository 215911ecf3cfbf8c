/**
 * The span export buffer on /metrics: what the preloaded tracing setup publishes
 * (registerGlobal, as telemetry.ts does) is what a scrape of the app shows.
 */
import { METRICS } from '../../src/contract';
import { setupTracing, TracingHandle } from '../../src/tracing/setup';
import { publishSpanBufferStatus } from '../../src/tracing/span-buffer-status';
import { buildTestApp, TestApp } from '../support/app';
import { OtlpEndpoint, startOtlpEndpoint } from '../support/otlp-endpoint';

const BUFFERED = METRICS.traceExportBufferedSpans.name;
const DROPPED = METRICS.traceExportDroppedSpansTotal.name;

async function scrape(t: TestApp): Promise<string> {
  return (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
}

describe('the span export buffer metrics', () => {
  let endpoint: OtlpEndpoint;
  let t: TestApp;
  beforeAll(async () => {
    // One export per attempt (the library's own retry does not fit in 300 ms): shutdown drains quickly.
    process.env.OTEL_EXPORTER_OTLP_TIMEOUT = '300';
    endpoint = await startOtlpEndpoint();
    t = await buildTestApp();
  });
  afterAll(async () => {
    delete process.env.OTEL_EXPORTER_OTLP_TIMEOUT;
    publishSpanBufferStatus(undefined);
    await t.app.close();
    await endpoint.stop();
  });

  it('show 0 buffered and no dropped series when nothing is exported', async () => {
    const text = await scrape(t);
    expect(text).toContain(`\n${BUFFERED} 0\n`);
    expect(text).not.toContain(`${DROPPED}{`);
  });

  it('follow the buffer while the endpoint answers 503 and once it takes the spans', async () => {
    let tracing: TracingHandle | undefined;
    try {
      endpoint.answer = () => 503;
      tracing = setupTracing({ env: { TRACES_RETRY_BUFFER_SPANS: '3' }, tracesUrl: endpoint.url, registerGlobal: true, warn: () => undefined });
      const tracer = tracing.provider.getTracer('test');
      for (let i = 0; i < 5; i += 1) tracer.startSpan(`s${i}`).end();
      await tracing.provider.forceFlush();

      const during = await scrape(t);
      expect(during).toContain(`\n${BUFFERED} 3\n`);
      expect(during).toContain(`\n${DROPPED}{reason="buffer_full"} 2\n`);
      expect(during).toContain(`\n${DROPPED}{reason="rejected"} 0\n`);
      expect(during).toContain(`\n${DROPPED}{reason="shutdown"} 0\n`);

      endpoint.answer = () => 200;
      await tracing.shutdown();
      expect(endpoint.accepted.map((s) => s.name)).toEqual(['s0', 's1', 's2']);
      const after = await scrape(t);
      expect(after).toContain(`\n${BUFFERED} 0\n`);
      // A counter: the drops stay counted, one more: the app traces through the global provider,
      // and the first scrape's own server span found the buffer full too.
      expect(after).toContain(`\n${DROPPED}{reason="buffer_full"} 3\n`);
    } finally {
      await tracing?.shutdown();
    }
  });
});
