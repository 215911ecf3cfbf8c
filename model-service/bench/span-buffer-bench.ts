/**
 * `npm run bench:span-buffer`: the heap the span export buffer (RetryingSpanExporter) takes when
 * it is full, per span and for the default bound (TRACES_RETRY_BUFFER_SPANS), and what sending it
 * all once the endpoint is back costs the event loop.
 *
 * The spans are the service's own: the app is built in-process with the tracer provider that
 * setup.ts builds, its endpoint refusing connections (a closed port), and real 20 Newsgroups
 * test documents are POSTed to /predict until the buffer holds its bound. Then a local OTLP
 * receiver (otlp-sink.ts, counting spans) starts on that port and the buffer is sent, timed, with
 * the longest event-loop stall in that time. The buffer's cost is the heap in use with the buffer
 * full minus the heap once it is sent, both after full garbage collections: everything else the
 * requests left behind (the prediction store, the drift window, metric series) is in both figures
 * and cancels out.
 *
 * Run under `flock /tmp/bench.lock` so that two benchmarks never overlap.
 */
import { once } from 'node:events';
import { createServer } from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { buildApp, TRACER_NAME } from '../src/app';
import { formatTable } from '../src/cli/table';
import { UsageError, numberFlag, parseFlags } from '../src/cli/flags';
import { runCli } from '../src/cli/run-cli';
import { defaultConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { createRegistry } from '../src/metrics/registry';
import { loadModel } from '../src/model/serving';
import { RETRY_BUFFER_VARIABLE } from '../src/tracing/retrying-span-exporter';
import { DEFAULT_RETRY_BUFFER_SPANS, setupTracing } from '../src/tracing/setup';
import { startOtlpSink } from './otlp-sink';
import { median } from './stats';
import { prepareWorkload } from './workload';

const USAGE = `Usage: node --expose-gc build/bench/span-buffer-bench.js [--model <file>] [--spans <n>] [--rounds <n>]
(npm run bench:span-buffer -w model-service -- [flags])

  --model   model file to serve (default: one trained on the archive's train split, ~30 s)
  --spans   spans to buffer (default ${DEFAULT_RETRY_BUFFER_SPANS}, the default ${RETRY_BUFFER_VARIABLE})
  --rounds  fills of the buffer; the median is reported (default 3)`;

/** Spans of one single-document /predict request: the server span, preprocess, tokenize, tfidf, predict. */
const SPANS_PER_REQUEST = 5;

/** A port nothing listens on (yet): one the OS handed out, closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc!;
  // Twice: the first pass may leave objects that only a second one finds unreachable (weak maps, finalizers).
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

interface Round {
  readonly buffered: number;
  readonly requests: number;
  readonly heapFullBytes: number;
  readonly heapReleasedBytes: number;
  /** From the endpoint's return to the buffer sent, and the longest event-loop stall meanwhile. */
  readonly drainMs: number;
  readonly maxStallMs: number;
}

async function fillAndRelease(modelPath: string, documents: readonly string[], spans: number): Promise<Round> {
  const warnings: string[] = [];
  const port = await closedPort();
  const tracing = setupTracing({ env: { [RETRY_BUFFER_VARIABLE]: String(spans) }, tracesUrl: `http://127.0.0.1:${port}/v1/traces`, warn: (m) => warnings.push(m) });
  const classifier = await loadModel(modelPath);
  // Per-request log lines would go nowhere here: warn level keeps the run short.
  const logger = createLogger({ level: 'warn', destination: { write: () => undefined } });
  const service = await buildApp({
    classifier, config: defaultConfig({ modelPath, maxEventLoopDelayMs: 0 }), registry: createRegistry(), logger,
    tracer: tracing.provider.getTracer(TRACER_NAME),
  });
  const buffered = (): number => tracing.spanBufferStatus()!.bufferedSpans;
  let requests = 0;
  while (buffered() < spans) {
    for (let i = 0; i < 500; i += 1) {
      const response = await service.app.inject({
        method: 'POST', url: '/predict', payload: documents[requests % documents.length], headers: { 'content-type': 'text/plain' },
      });
      if (response.statusCode !== 200) throw new Error(`POST /predict answered ${response.statusCode}: ${response.body}`);
      requests += 1;
    }
    // Hands what the batch processor holds to the buffer.
    await tracing.provider.forceFlush();
  }
  const heapFullBytes = heapAfterGc();
  const full = buffered();

  // Let the attempt in flight against the closed port end (OTEL_EXPORTER_OTLP_TIMEOUT, set short
  // below), so the drain starts from the buffer alone.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const sink = await startOtlpSink({ port });
  const stalls = monitorEventLoopDelay({ resolution: 1 });
  stalls.enable();
  const start = performance.now();
  // Sends a retry waiting out its backoff at once; polls in case the buffer takes longer than
  // forceFlush's bound.
  await tracing.forceFlush();
  while (buffered() > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  const drainMs = performance.now() - start;
  stalls.disable();
  await sink.waitForSpans(full);
  const heapReleasedBytes = heapAfterGc();
  await tracing.shutdown();
  await service.app.close();
  await sink.close();
  const dropped = tracing.spanBufferStatus()!.droppedSpans;
  if (dropped.rejected + dropped.shutdown > 0) throw new Error(`spans lost in the drain: ${JSON.stringify(dropped)}; ${warnings.join(' | ')}`);
  return { buffered: full, requests, heapFullBytes, heapReleasedBytes, drainMs, maxStallMs: stalls.max / 1e6 };
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), { model: { type: 'string' }, spans: { type: 'string' }, rounds: { type: 'string' } });
  const spans = numberFlag('spans', flags.spans, { integer: true, min: 1 }) ?? DEFAULT_RETRY_BUFFER_SPANS;
  const rounds = numberFlag('rounds', flags.rounds, { integer: true, min: 1 }) ?? 3;
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') {
    throw new UsageError('run with node --expose-gc (npm run bench:span-buffer does)');
  }
  // One short attempt at a time against the refusing endpoint (the library's own retries fit in
  // 10 s by default), so no attempt is still in flight when the receiver starts.
  process.env.OTEL_EXPORTER_OTLP_TIMEOUT = '500';
  const log = (line: string): void => { process.stdout.write(`${line}\n`); };
  const workload = await prepareWorkload(flags.model, log);
  try {
    log(`filling a ${spans}-span buffer with /predict spans (endpoint refusing connections), ${rounds} rounds, Node ${process.version}`);
    const results: Round[] = [];
    for (let round = 1; round <= rounds; round += 1) results.push(await fillAndRelease(workload.modelPath, workload.documents, spans));
    const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
    const perSpan = results.map((r) => (r.heapFullBytes - r.heapReleasedBytes) / r.buffered);
    log(formatTable(
      ['round', 'requests', 'buffered spans', 'heap full MiB', 'heap sent MiB', 'bytes per span', 'send all ms', 'longest stall ms'],
      results.map((r, i) => [
        i + 1, r.requests, r.buffered, mb(r.heapFullBytes), mb(r.heapReleasedBytes), Math.round(perSpan[i]), Math.round(r.drainMs), r.maxStallMs.toFixed(1),
      ]),
    ));
    const bytes = median(perSpan);
    log(`heap per buffered span (median of ${rounds}): ${Math.round(bytes)} bytes`);
    log(`the default bound, ${DEFAULT_RETRY_BUFFER_SPANS} spans (${DEFAULT_RETRY_BUFFER_SPANS / SPANS_PER_REQUEST} requests): `
      + `${mb(bytes * DEFAULT_RETRY_BUFFER_SPANS)} MiB of heap`);
    log(`sending the full buffer to a local receiver (median): ${Math.round(median(results.map((r) => r.drainMs)))} ms, `
      + `longest event-loop stall ${median(results.map((r) => r.maxStallMs)).toFixed(1)} ms`);
  } finally {
    await workload.cleanup();
  }
}

runCli(main, USAGE);
