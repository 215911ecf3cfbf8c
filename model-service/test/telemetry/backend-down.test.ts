/**
 * A trace backend that hangs or refuses must not slow requests down or let
 * spans pile up: spans wait in a bounded queue, exports in flight are bounded
 * by the exporter's concurrency limit and time out, what does not fit is
 * dropped, and failures are reported once per kind (rate-limited).
 */
import { createServer, Server, Socket } from 'node:net';
import { setupTracing } from '../../src/tracing/setup';
import { buildTestApp } from '../support/app';
import { freePort } from '../support/service';

const SMALL_QUEUE = {
  OTEL_BSP_MAX_QUEUE_SIZE: '50',
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '10',
  OTEL_BSP_EXPORT_TIMEOUT: '300',
};

async function hammer(tracesUrl: string): Promise<{ warnings: string[]; statuses: number[] }> {
  const warnings: string[] = [];
  const tracing = setupTracing({ env: SMALL_QUEUE, tracesUrl, warn: (m) => warnings.push(m) });
  const t = await buildTestApp({}, { tracer: tracing.provider.getTracer('model-service') });
  const statuses: number[] = [];
  for (let i = 0; i < 400; i += 1) {
    const response = await t.app.inject({ method: 'POST', url: '/predict', payload: 'the telescope', headers: { 'content-type': 'text/plain' } });
    statuses.push(response.statusCode);
  }
  await t.app.close();
  await Promise.race([tracing.shutdown().catch(() => undefined), new Promise((r) => setTimeout(r, 2_000))]);
  return { warnings, statuses };
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

  it('that hangs: requests still answered, failures reported once, not per export', async () => {
    const address = blackHole.address() as { port: number };
    const { warnings, statuses } = await hammer(`http://127.0.0.1:${address.port}/v1/traces`);
    // The backend never answers, so had a request waited for an export it would never have been
    // answered (no wall-clock bound needed, which would flake on a busy machine).
    expect(statuses).toEqual(new Array(400).fill(200));
    // Dozens of exports time out (the last at shutdown's flush, well inside its 2 s); whether the
    // small queue also overflows depends on the machine's speed. The log gets one line per kind.
    const kinds = warnings.map((w) => (/^opentelemetry: export failed: Timeout/.test(w) ? 'timeout' : /^opentelemetry: Dropped \d+ spans/.test(w) ? 'dropped' : w));
    expect(kinds).toContain('timeout');
    expect(kinds.filter((k) => k !== 'timeout' && k !== 'dropped')).toEqual([]);
    expect(new Set(kinds).size).toBe(kinds.length);
  }, 30_000);

  it('that refuses connections: requests still answered', async () => {
    const port = await freePort();
    const { statuses } = await hammer(`http://127.0.0.1:${port}/v1/traces`);
    expect(statuses).toEqual(new Array(400).fill(200));
  }, 30_000);
});
