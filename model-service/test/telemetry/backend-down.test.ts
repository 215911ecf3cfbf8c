/**
 * A trace backend that hangs or refuses must not slow requests down or let
 * spans pile up: spans wait in a bounded buffer (TRACES_RETRY_BUFFER_SPANS),
 * one export is in flight at a time and times out, what does not fit is
 * dropped, and failures are reported once per kind (rate-limited).
 */
import { createServer, Server, Socket } from 'node:net';
import { setupTracing } from '../../src/tracing/setup';
import { buildTestApp } from '../support/app';
import { freePort } from '../support/service';

const SMALL_QUEUE = {
  TRACES_RETRY_BUFFER_SPANS: '50',
  OTEL_BSP_MAX_QUEUE_SIZE: '50',
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '10',
  OTEL_BSP_EXPORT_TIMEOUT: '300',
};

async function hammer(tracesUrl: string): Promise<{ warnings: string[]; statuses: number[]; buffered: number; droppedFull: number }> {
  const warnings: string[] = [];
  const tracing = setupTracing({ env: SMALL_QUEUE, tracesUrl, warn: (m) => warnings.push(m) });
  const t = await buildTestApp({}, { tracer: tracing.provider.getTracer('model-service') });
  const statuses: number[] = [];
  for (let i = 0; i < 400; i += 1) {
    const response = await t.app.inject({ method: 'POST', url: '/predict', payload: 'the telescope', headers: { 'content-type': 'text/plain' } });
    statuses.push(response.statusCode);
  }
  await t.app.close();
  await tracing.provider.forceFlush();
  const status = tracing.spanBufferStatus()!;
  // Waits its bound (5 s) for the buffer to drain, which it cannot here, then gives up.
  await tracing.shutdown();
  return { warnings, statuses, buffered: status.bufferedSpans, droppedFull: status.droppedSpans.buffer_full };
}

describe('a trace backend that is down', () => {
  let blackHole: Server;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    // The exporter reads its request timeout from the environment; keep the test short.
    process.env.OTEL_EXPORTER_OTLP_TIMEOUT = '300';
    // Accepts connections and never answers.
    blackHole = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    delete process.env.OTEL_EXPORTER_OTLP_TIMEOUT;
    sockets.forEach((s) => s.destroy());
    await new Promise((r) => blackHole.close(r));
  });

  it('that hangs: requests still answered, the buffer full and bounded, failures reported once, not per export', async () => {
    const address = blackHole.address() as { port: number };
    const { warnings, statuses, buffered, droppedFull } = await hammer(`http://127.0.0.1:${address.port}/v1/traces`);
    // The backend never answers, so had a request waited for an export it would never have been
    // answered (no wall-clock bound needed, which would flake on a busy machine).
    expect(statuses).toEqual(new Array(400).fill(200));
    // 400 requests of 5 spans: 50 kept, the rest dropped and counted.
    expect(buffered).toBe(50);
    expect(droppedFull).toBe(400 * 5 - 50);
    // The full buffer drops spans; exports time out and are retried until shutdown gives up; the
    // processor itself never sees a failure. The log gets one line per kind, however many happened.
    expect(kinds(warnings, 'Request timed out')).toEqual(['full', 'gave up', 'retrying']);
  }, 30_000);

  it('that refuses connections: requests still answered, the buffer bounded', async () => {
    const port = await freePort();
    const { warnings, statuses, buffered, droppedFull } = await hammer(`http://127.0.0.1:${port}/v1/traces`);
    expect(statuses).toEqual(new Array(400).fill(200));
    expect(buffered).toBe(50);
    expect(droppedFull).toBe(400 * 5 - 50);
    expect(kinds(warnings, 'connect ECONNREFUSED')).toEqual(['full', 'gave up', 'retrying']);
  }, 30_000);
});

/** Each warning by kind, sorted; `cause` is the error the export attempts are expected to fail with. */
function kinds(warnings: string[], cause: string): string[] {
  return warnings.map((w) => {
    if (w.startsWith('opentelemetry: span export buffer full')) return 'full';
    if (w.startsWith('opentelemetry: span export failed, retrying in') && w.includes(`: ${cause}`)) return 'retrying';
    if (w.startsWith('opentelemetry: span export: gave up at shutdown on 50 spans') && w.includes(cause)) return 'gave up';
    return w;
  }).sort();
}
