/**
 * The retrying span exporter against a real OTLP/HTTP endpoint (test/support/otlp-endpoint.ts)
 * that goes away (connections refused), answers 503 or 400, or never answers, through the
 * library's real OTLP exporters. Backoffs are a few milliseconds, injected, so nothing sleeps for
 * seconds.
 */
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { ExportResult, ExportResultCode } from '@opentelemetry/core';
import {
  BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter, ReadableSpan, SimpleSpanProcessor, SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { RETRY_BUFFER_VARIABLE, RetryingSpanExporter, RetryingSpanExporterOptions } from '../../src/tracing/retrying-span-exporter';
import { DEFAULT_RETRY_BUFFER_SPANS, setupTracing } from '../../src/tracing/setup';
import { createTraceExporter, OTLP_TRACES_PROTOCOLS, OtlpTracesProtocol } from '../../src/tracing/trace-exporter';
import { OtlpEndpoint, startOtlpEndpoint } from '../support/otlp-endpoint';

/** Finished spans named `${prefix}${from}` … `${prefix}${from + count - 1}`. */
function spansNamed(prefix: string, from: number, count: number): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('test');
  for (let i = from; i < from + count; i += 1) tracer.startSpan(`${prefix}${i}`).end();
  return memory.getFinishedSpans();
}

function names(prefix: string, from: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${from + i}`);
}

/** Polls `condition` every few ms; rejects, saying what was awaited, after `timeoutMs`. */
async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** export() with its result, which must come at once (synchronously). */
function exportNow(exporter: SpanExporter, spans: ReadableSpan[]): ExportResult {
  let result: ExportResult | undefined;
  exporter.export(spans, (r) => { result = r; });
  if (result === undefined) throw new Error('export() did not answer at once');
  return result;
}

const FAST: Omit<RetryingSpanExporterOptions, 'maxBufferedSpans'> = { initialBackoffMs: 5, maxBackoffMs: 20 };

describe('RetryingSpanExporter', () => {
  let endpoint: OtlpEndpoint;
  let reports: string[];
  const exporters: RetryingSpanExporter[] = [];

  function retrying(options: Partial<RetryingSpanExporterOptions> = {}, protocol: OtlpTracesProtocol = 'http/json'): RetryingSpanExporter {
    // 500 ms per export: the library's own retry (1 s backoff) does not fit in it, so each of
    // our attempts is one request.
    const exporter = new RetryingSpanExporter(createTraceExporter(protocol, endpoint.url, { timeoutMillis: 500 }), {
      maxBufferedSpans: 1_000, ...FAST, report: (m) => reports.push(m), ...options,
    });
    exporters.push(exporter);
    return exporter;
  }

  const failures = (): number => reports.filter((r) => r.startsWith('span export failed')).length;

  beforeEach(async () => {
    endpoint = await startOtlpEndpoint();
    reports = [];
  });
  afterEach(async () => {
    await endpoint.start().catch(() => undefined);
    endpoint.answer = () => 200;
    await Promise.all(exporters.splice(0).map((e) => e.shutdown()));
    await endpoint.stop();
  });

  describe.each(OTLP_TRACES_PROTOCOLS)('over %s', (protocol) => {
    it('keeps what is exported while the endpoint refuses connections, and sends it all, in order, once, when it is back', async () => {
      const exporter = retrying({}, protocol);
      await endpoint.stop();
      for (const batch of [0, 10, 20]) {
        expect(exportNow(exporter, spansNamed('s', batch, 10))).toEqual({ code: ExportResultCode.SUCCESS });
      }
      // More failed attempts than the library's 5: no attempt limit.
      await until('7 failed attempts', () => failures() >= 7);
      expect(reports[0]).toMatch(/^span export failed, retrying in \d+\.\d s with 30 spans buffered: connect ECONNREFUSED/);
      expect(exporter.status().bufferedSpans).toBe(30);
      expect(endpoint.accepted).toEqual([]);

      await endpoint.start();
      await exporter.forceFlush();
      expect(endpoint.accepted.map((s) => s.name)).toEqual(names('s', 0, 30));
      expect(exporter.status()).toEqual({ bufferedSpans: 0, capacitySpans: 1_000, droppedSpans: { buffer_full: 0, rejected: 0, shutdown: 0 } });
      // The three small batches queued during the outage went as one request.
      expect(endpoint.answers).toEqual([200]);
      expect(reports.at(-1)).toMatch(/^span export recovered after \d+ failed attempts over \d+ s; 0 spans still buffered/);
    });
  });

  it('retries a 503 until the endpoint takes the batch', async () => {
    const exporter = retrying({ maxExportBatchSize: 10 });
    endpoint.answer = (_spans, request) => (request < 3 ? 503 : 200);
    exportNow(exporter, spansNamed('a', 0, 10));
    exportNow(exporter, spansNamed('b', 0, 10));
    await exporter.forceFlush();
    expect(endpoint.answers).toEqual([503, 503, 503, 200, 200]);
    expect(endpoint.accepted.map((s) => s.name)).toEqual([...names('a', 0, 10), ...names('b', 0, 10)]);
    expect(reports.filter((r) => r.startsWith('span export failed'))).toHaveLength(3);
    expect(reports[0]).toMatch(/: Export failed with retryable status$/);
  });

  it('retries an export the endpoint never answers (timed out)', async () => {
    const exporter = retrying();
    endpoint.answer = (_spans, request) => (request === 0 ? 'hang' : 200);
    exportNow(exporter, spansNamed('s', 0, 5));
    await exporter.forceFlush();
    expect(endpoint.answers).toEqual(['hang', 200]);
    expect(endpoint.accepted.map((s) => s.name)).toEqual(names('s', 0, 5));
    expect(reports[0]).toMatch(/: Request timed out$/);
  });

  it('drops a batch the endpoint refuses with 400, counts it, and sends the next', async () => {
    const exporter = retrying({ maxExportBatchSize: 10 });
    endpoint.answer = (spans) => (spans.some((s) => s.name.startsWith('bad')) ? 400 : 200);
    exportNow(exporter, spansNamed('bad', 0, 10));
    exportNow(exporter, spansNamed('good', 0, 10));
    await exporter.forceFlush();
    // Refused once, not sent again.
    expect(endpoint.answers).toEqual([400, 200]);
    expect(endpoint.accepted.map((s) => s.name)).toEqual(names('good', 0, 10));
    expect(exporter.status().droppedSpans).toEqual({ buffer_full: 0, rejected: 10, shutdown: 0 });
    expect(reports).toEqual([
      'span export rejected, 10 spans dropped (not retried: sending them again would fail again): HTTP 400 Bad Request: answered 400 by the test',
    ]);
  });

  it('drops the newest spans when the buffer is full, and counts them', async () => {
    const exporter = retrying({ maxBufferedSpans: 25 });
    await endpoint.stop();
    exportNow(exporter, spansNamed('s', 0, 10));
    exportNow(exporter, spansNamed('s', 10, 10));
    await until('a failed attempt', () => failures() >= 1);
    // Room for 5 of these 10, none of the next 10; the processor is still told SUCCESS.
    expect(exportNow(exporter, spansNamed('s', 20, 10))).toEqual({ code: ExportResultCode.SUCCESS });
    expect(exportNow(exporter, spansNamed('s', 30, 10))).toEqual({ code: ExportResultCode.SUCCESS });
    expect(exporter.status()).toMatchObject({ bufferedSpans: 25, droppedSpans: { buffer_full: 15, rejected: 0, shutdown: 0 } });
    expect(reports.filter((r) => r.startsWith('span export buffer full'))).toEqual([
      expect.stringMatching(/^span export buffer full \(25 spans, raise TRACES_RETRY_BUFFER_SPANS to hold more\): dropped 5 new spans, 5 since start; the endpoint has been failing for \d+ s: connect ECONNREFUSED/),
      expect.stringMatching(/^span export buffer full .*: dropped 10 new spans, 15 since start;/),
    ]);

    await endpoint.start();
    await exporter.forceFlush();
    expect(endpoint.accepted.map((s) => s.name)).toEqual(names('s', 0, 25));
  });

  it('gives up at shutdown after its bound, reports how many spans, and takes no more', async () => {
    const exporter = retrying({ drainTimeoutMs: 200 });
    await endpoint.stop();
    exportNow(exporter, spansNamed('s', 0, 20));
    await exporter.shutdown();
    expect(exporter.status()).toEqual({ bufferedSpans: 0, capacitySpans: 1_000, droppedSpans: { buffer_full: 0, rejected: 0, shutdown: 20 } });
    expect(reports.at(-1)).toMatch(/^span export: gave up at shutdown on 20 spans not sent within 200 ms \(last error: connect ECONNREFUSED/);
    expect(exportNow(exporter, spansNamed('late', 0, 1)).code).toBe(ExportResultCode.FAILED);
    // Nothing is sent any more, even once the endpoint is back.
    await endpoint.start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(endpoint.answers).toEqual([]);
  });

  it('at shutdown, sends at once what waits out a long backoff', async () => {
    const exporter = retrying({ initialBackoffMs: 600_000, maxBackoffMs: 600_000 });
    await endpoint.stop();
    exportNow(exporter, spansNamed('s', 0, 20));
    await until('a failed attempt', () => failures() >= 1);
    await endpoint.start();
    await exporter.shutdown();
    expect(endpoint.accepted.map((s) => s.name)).toEqual(names('s', 0, 20));
    expect(exporter.status().droppedSpans.shutdown).toBe(0);
  });

  it('lets the BatchSpanProcessor see no failure while the endpoint is away', async () => {
    const diagnostics: string[] = [];
    const record = (message: string, ...args: unknown[]): void => { diagnostics.push([message, ...args].join(' ')); };
    // WARN, as setup.ts routes it: what the processor reports (a failed export, spans dropped).
    diag.setLogger({ error: record, warn: record, info: record, debug: () => undefined, verbose: () => undefined }, DiagLogLevel.WARN);
    try {
      const exporter = retrying();
      const provider = new BasicTracerProvider({
        spanProcessors: [new BatchSpanProcessor(exporter, { maxExportBatchSize: 10, maxQueueSize: 20, scheduledDelayMillis: 5, exportTimeoutMillis: 50 })],
      });
      await endpoint.stop();
      const tracer = provider.getTracer('test');
      // Ten times the processor's queue, while the endpoint is away: its flushes must all succeed.
      for (let i = 0; i < 200; i += 1) {
        tracer.startSpan(`s${i}`).end();
        if (i % 10 === 9) await provider.forceFlush();
      }
      await until('a failed attempt', () => failures() >= 1);
      await endpoint.start();
      await exporter.forceFlush();
      expect(endpoint.accepted.map((s) => s.name)).toEqual(names('s', 0, 200));
      expect(diagnostics).toEqual([]);
    } finally {
      diag.disable();
    }
  });
});

describe('RetryingSpanExporter backoff', () => {
  afterEach(() => jest.useRealTimers());

  /** An exporter that refuses every batch with `error`, and records when it was called. */
  function refusing(error: Error, calls: number[]): SpanExporter {
    return {
      export: (_spans, callback) => {
        calls.push(Date.now());
        callback({ code: ExportResultCode.FAILED, error });
      },
      shutdown: () => Promise.resolve(),
    };
  }

  it('doubles from 1 s up to 30 s, each wait within ±20 % of it', async () => {
    jest.useFakeTimers({ now: 0 });
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4318'), { code: 'ECONNREFUSED' });
    const waits = async (random: number): Promise<number[]> => {
      const calls: number[] = [];
      const exporter = new RetryingSpanExporter(refusing(refused, calls), { maxBufferedSpans: 10, random: () => random, report: () => undefined });
      exporter.export(spansNamed('s', 0, 1), () => undefined);
      // The async form runs the promise callbacks between timers (each retry is scheduled in one).
      await jest.advanceTimersByTimeAsync(200_000);
      return calls.slice(1).map((at, i) => at - calls[i]);
    };
    // The whole range of the jitter source: its middle, its bottom, and just below its top.
    expect((await waits(0.5)).slice(0, 8)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
    expect((await waits(0)).slice(0, 6)).toEqual([800, 1_600, 3_200, 6_400, 12_800, 24_000]);
    expect((await waits(0.999_999)).slice(0, 6)).toEqual([1_200, 2_400, 4_800, 9_600, 19_200, 36_000]);
  });

  it('drops, without retrying, a batch failing with an error that is not retryable', async () => {
    const calls: number[] = [];
    const reports: string[] = [];
    const exporter = new RetryingSpanExporter(refusing(new Error('Nothing to send'), calls), { maxBufferedSpans: 10, report: (m) => reports.push(m) });
    exporter.export(spansNamed('s', 0, 3), () => undefined);
    await exporter.forceFlush();
    expect(calls).toHaveLength(1);
    expect(exporter.status()).toMatchObject({ bufferedSpans: 0, droppedSpans: { rejected: 3 } });
    expect(reports).toEqual(['span export rejected, 3 spans dropped (not retried: sending them again would fail again): Nothing to send']);
  });

  it('drops a batch the exporter throws on (a serializer refusing the spans)', async () => {
    const reports: string[] = [];
    const throwing: SpanExporter = { export: () => { throw new TypeError('cannot encode'); }, shutdown: () => Promise.resolve() };
    const exporter = new RetryingSpanExporter(throwing, { maxBufferedSpans: 10, report: (m) => reports.push(m) });
    expect(exportNow(exporter, spansNamed('s', 0, 2)).code).toBe(ExportResultCode.SUCCESS);
    await exporter.forceFlush();
    expect(exporter.status().droppedSpans.rejected).toBe(2);
    expect(reports).toEqual(['span export rejected, 2 spans dropped (not retried: sending them again would fail again): cannot encode']);
  });
});

describe(RETRY_BUFFER_VARIABLE, () => {
  it(`defaults to ${DEFAULT_RETRY_BUFFER_SPANS} spans: 60 s at 200 requests/s of 5 spans`, () => {
    const tracing = setupTracing({ env: {}, tracesUrl: 'http://127.0.0.1:9/v1/traces', warn: () => undefined });
    expect(tracing.spanBufferStatus()?.capacitySpans).toBe(60_000);
    const set = setupTracing({ env: { [RETRY_BUFFER_VARIABLE]: ' 1000 ' }, tracesUrl: 'http://127.0.0.1:9/v1/traces', warn: () => undefined });
    expect(set.spanBufferStatus()?.capacitySpans).toBe(1_000);
    return Promise.all([tracing.shutdown(), set.shutdown()]);
  });

  it.each(['0', '-5', '1.5', 'lots'])('refuses %j in one line naming the variable, even with no endpoint', (value) => {
    expect(() => setupTracing({ env: { [RETRY_BUFFER_VARIABLE]: value }, warn: () => undefined }))
      .toThrow(`invalid environment variable TRACES_RETRY_BUFFER_SPANS: ${JSON.stringify(value)} is not a positive integer`);
  });
});
