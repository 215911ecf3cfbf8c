/**
 * `npm run bench:span-buffer`: the heap the span export buffer (RetryingSpanExporter) takes when
 * it is full, per span and for the default bound (TRACES_RETRY_BUFFER_SPANS).
 *
 * The spans are the service's own: the app is built in-process with the tracer provider that
 * setup.ts builds, its endpoint refusing connections (a closed port), and real 20 Newsgroups
 * test documents are POSTed to /predict until the buffer holds its bound. The buffer's cost is
 * the heap in use with the buffer full minus the heap once the buffer is released (shutdown gives
 * up on it), both after full garbage collections: everything else the requests left behind (the
 * prediction store, the drift window, metric series) is in both figures and cancels out.
 *
 * Run under `flock /tmp/bench.lock` so that two benchmarks never overlap.
 */
import { once } from 'node:events';
import { createServer } from 'node:net';
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
import { median } from './stats';
import { prepareWorkload } from './workload';

const USAGE = `Usage: node --expose-gc build/bench/span-buffer-bench.js [--model <file>] [--spans <n>] [--rounds <n>]
(npm run bench:span-buffer -w model-service -- [flags])

  --model   model file to serve (default: one trained on the archive's train split, ~30 s)
  --spans   spans to buffer (default ${DEFAULT_RETRY_BUFFER_SPANS}, the default ${RETRY_BUFFER_VARIABLE})
  --rounds  fills of the buffer; the median is reported (default 3)`;

/** Spans of one single-document /predict request: the server span, preprocess, tokenize, tfidf, predict. */
const SPANS_PER_REQUEST = 5;

/** A URL nothing listens on: a port the OS handed out, then closed again. */
async function refusingTracesUrl(): Promise<string> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return `http://127.0.0.1:${port}/v1/traces`;
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
}

async function fillAndRelease(modelPath: string, documents: readonly string[], spans: number): Promise<Round> {
  const warnings: string[] = [];
  const tracing = setupTracing({ env: { [RETRY_BUFFER_VARIABLE]: String(spans) }, tracesUrl: await refusingTracesUrl(), warn: (m) => warnings.push(m) });
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
  // Gives up on the buffer after its drain bound (5 s), and lets the attempt in flight end
  // (OTEL_EXPORTER_OTLP_TIMEOUT, set short below), so that its batch is released too.
  await tracing.shutdown();
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const heapReleasedBytes = heapAfterGc();
  await service.app.close();
  if (!warnings.some((w) => w.includes(`gave up at shutdown on ${full} spans`))) {
    throw new Error(`the buffer was not released as expected; warnings: ${warnings.join(' | ')}`);
  }
  return { buffered: full, requests, heapFullBytes, heapReleasedBytes };
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), { model: { type: 'string' }, spans: { type: 'string' }, rounds: { type: 'string' } });
  const spans = numberFlag('spans', flags.spans, { integer: true, min: 1 }) ?? DEFAULT_RETRY_BUFFER_SPANS;
  const rounds = numberFlag('rounds', flags.rounds, { integer: true, min: 1 }) ?? 3;
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') {
    throw new UsageError('run with node --expose-gc (npm run bench:span-buffer does)');
  }
  // One short attempt at a time against the refusing endpoint (the library's own retries fit in
  // 10 s by default), so the batch in flight is released soon after shutdown.
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
      ['round', 'requests', 'buffered spans', 'heap full MiB', 'heap released MiB', 'bytes per span'],
      results.map((r, i) => [i + 1, r.requests, r.buffered, mb(r.heapFullBytes), mb(r.heapReleasedBytes), Math.round(perSpan[i])]),
    ));
    const bytes = median(perSpan);
    log(`heap per buffered span (median of ${rounds}): ${Math.round(bytes)} bytes`);
    log(`the default bound, ${DEFAULT_RETRY_BUFFER_SPANS} spans (${DEFAULT_RETRY_BUFFER_SPANS / SPANS_PER_REQUEST} requests): `
      + `${mb(bytes * DEFAULT_RETRY_BUFFER_SPANS)} MiB of heap`);
  } finally {
    await workload.cleanup();
  }
}

runCli(main, USAGE);
