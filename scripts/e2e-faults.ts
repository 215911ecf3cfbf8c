// The root type-check reaches the classifier through the test support; its ambient typing of
// ml-logistic-regression lives in the model-service workspace, outside the root tsconfig's include.
/// <reference path="../model-service/src/model/training/ml-logistic-regression.d.ts" />
/**
 * `npm run e2e:faults [-- --short]`: fault tests on the current profile's real backends (the e2e
 * harness, test/e2e/support/current-stack.ts). Under steady load on the model service, each
 * backend in turn is killed with SIGKILL, left down, restarted with the same command, and what
 * arrived is counted against what was sent: the requests' traces in Tempo (by the ids the load
 * generator chose), their completion log lines in Loki (a LogQL count, and the lines' trace
 * ids for lost and duplicated) and the service's scrapes in Prometheus (the gap), with the service's
 * non-2xx answers and p99 latency in the fault window against a fault-free phase. Prints a table;
 * exits 1 when a target is missed (0 spans and 0 log lines lost, 0 non-2xx, p99 within 10 % of the
 * baseline; the short mode, which CI runs on a shared machine, does not judge p99). A Prometheus
 * outage's scrape gap is shown, not judged: nothing can scrape for a Prometheus that is down.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { formatTable } from '../model-service/src/cli/table';
import { newsgroupsModel } from '../model-service/test/support/model';
import { TraceArrival, completionLines, lokiLineCount, lokiLineTraceIds, scrapeSamples, tracesInTempo } from '../test/e2e/support/arrival-counts';
import { CurrentBackend, CurrentLocalStack, startCurrentStack } from '../test/e2e/support/current-stack';
import { httpOk, waitFor } from '../test/e2e/support/local-stack';
import { ManagedProcess, ProcessRegistry } from '../test/e2e/support/processes';
import { SentRequest, percentile, runSteadyLoad } from '../test/e2e/support/steady-load';

interface FaultOptions {
  readonly short: boolean;
  readonly faults: readonly CurrentBackend[];
  readonly requestsPerSecond: number;
  /** How long a killed backend stays down before it is restarted. */
  readonly downSeconds: number;
  /** Traces asked of Tempo per phase: a random sample of the answered requests (all when fewer). */
  readonly tempoSample: number;
}

const BACKENDS: readonly CurrentBackend[] = ['tempo', 'loki', 'alloy', 'prometheus', 'seaweedfs'];
const USAGE = `Usage: npm run e2e:faults -- [--short] [--faults ${BACKENDS.join(',')}] [--rate 200] [--down 15] [--sample 1000]
  --short    Tempo, Loki and Alloy down 15 s each at 50 requests/s, p99 not judged: the form CI runs
  --faults   backends to kill in turn, of ${BACKENDS.join(', ')} (default all; with --short tempo,loki,alloy)
  --rate     requests per second to /predict (default 200; 50 with --short)
  --down     seconds a killed backend stays down (default 15)
  --sample   traces per phase asked of Tempo by id, a random sample (default 1000; all of them with --short)`;

function parseOptions(argv: readonly string[]): FaultOptions {
  const short = argv.includes('--short');
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i === -1 ? undefined : argv[i + 1];
  };
  const known = new Set(['--short', '--faults', '--rate', '--down', '--sample']);
  const unknown = argv.filter((a, i) => a.startsWith('--') && !known.has(a) && !known.has(argv[i - 1]));
  if (unknown.length > 0) fail(`unknown option ${unknown[0]}\n${USAGE}`);
  const number = (flag: string, fallback: number): number => {
    const raw = value(flag);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) fail(`${flag} must be a positive number, not ${JSON.stringify(raw)}\n${USAGE}`);
    return n;
  };
  const faults = (value('--faults') ?? (short ? 'tempo,loki,alloy' : BACKENDS.join(','))).split(',') as CurrentBackend[];
  const wrong = faults.find((f) => !BACKENDS.includes(f));
  if (wrong !== undefined) fail(`--faults names ${JSON.stringify(wrong)}: use ${BACKENDS.join(', ')}\n${USAGE}`);
  return {
    short, faults, requestsPerSecond: number('--rate', short ? 50 : 200), downSeconds: number('--down', 15), tempoSample: number('--sample', short ? Number.POSITIVE_INFINITY : 1000),
  };
}

function fail(message: string): never {
  process.stderr.write(`e2e:faults: ${message}\n`);
  process.exit(2);
}

const started = Date.now();
const progress = (line: string) => process.stdout.write(`[faults ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One load phase: with a fault, the backend is killed `leadMs` in and restarted after the down time. */
interface Phase {
  readonly fault: CurrentBackend | 'none';
  readonly requests: SentRequest[];
  readonly loadStart: number;
  readonly loadEnd: number;
  /** Killed at, and ready again at (epoch ms); the whole load phase for the fault-free one. */
  readonly window: { readonly from: number; readonly to: number };
}

/** A backend's process after its restart (the stack's `backends` names the first one). */
const restartedProcesses = new Map<CurrentBackend, ManagedProcess>();

async function runPhase(stack: CurrentLocalStack, fault: CurrentBackend | 'none', options: FaultOptions, documents: readonly string[]): Promise<Phase> {
  const leadMs = 5_000;
  // Long enough for the kill, the down time, the restart and some load after it.
  const loadMs = fault === 'none' ? (options.short ? 10_000 : 30_000) : leadMs + options.downSeconds * 1000 + 15_000;
  const loadStart = Date.now();
  const load = runSteadyLoad({ serviceUrl: stack.endpoints.service, documents, requestsPerSecond: options.requestsPerSecond, durationMs: loadMs });
  let window = { from: loadStart, to: loadStart + loadMs };
  if (fault !== 'none') {
    await sleep(leadMs);
    const backend = stack.backends[fault];
    const running = restartedProcesses.get(fault) ?? backend.process;
    const killedAt = Date.now();
    ProcessRegistry.kill(running);
    await running.exited;
    progress(`${fault}: SIGKILL; down for ${options.downSeconds} s`);
    await sleep(options.downSeconds * 1000);
    const restarted = stack.registry.restart(running);
    restartedProcesses.set(fault, restarted);
    await waitFor(fault, httpOk(backend.readyUrl), restarted.exited, restarted.output, 120_000);
    window = { from: killedAt, to: Date.now() };
    progress(`${fault}: restarted with the same command, ready after ${((window.to - killedAt) / 1000).toFixed(1)} s from the kill`);
  }
  const requests = await load;
  return { fault, requests, loadStart, loadEnd: Date.now(), window };
}

interface Counted {
  readonly spans: { sent: number; arrived: number; lost: number; duplicated: number; traces: string; lostSent: string };
  readonly logs: { sent: number; arrived: number; lost: number; duplicated: number; query: string; lostSent: string };
}

/** The service's scrapes Prometheus stored over the phase: a killed Prometheus leaves a gap, nothing replays it. */
async function countScrapes(stack: CurrentLocalStack, phase: Phase) {
  return scrapeSamples(stack.endpoints.prometheus, `namespace="${stack.namespace}", pod="${stack.pod.name}"`, phase.loadStart, phase.loadEnd);
}

/** When the lost requests were sent, in seconds from the kill (negative: before it), for the explanation of a loss. */
function sentRange(phase: Phase, lost: readonly SentRequest[]): string {
  if (lost.length === 0) return '-';
  const times = lost.map((r) => (r.sentAt - phase.window.from) / 1000);
  return `${Math.min(...times).toFixed(1)} s to ${Math.max(...times).toFixed(1)} s from the kill`;
}

function randomSample<T>(items: readonly T[], size: number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy.slice(0, Math.min(size, copy.length));
}

/** Counts the phase's traces and log lines, again every 5 s while something is missing, for at most `settleMs` (retries and flushes). */
async function countArrivals(stack: CurrentLocalStack, phase: Phase, options: FaultOptions, spansPerTrace: number | undefined, settleMs: number): Promise<Counted & { spansPerTrace: number }> {
  const answered = phase.requests.filter((r) => r.status !== 0);
  const sample = randomSample(answered.map((r) => r.traceId), options.tempoSample);
  const lines = completionLines(`{namespace="${stack.namespace}", pod="${stack.pod.name}"}`);
  // Phases are 3 s apart and a line is written when its request is answered: the phase's lines only.
  const from = phase.loadStart;
  const to = phase.loadEnd + 1_000;
  const sent = new Set(phase.requests.map((r) => r.traceId));
  const started = Date.now();
  const deadline = started + settleMs;
  let flushed = false;
  // A trace found complete stays so: later rounds ask Tempo only for the others (a read that
  // searches the object store's blocks takes seconds).
  const known = new Map<string, TraceArrival>();
  let perTrace = spansPerTrace;
  for (;;) {
    const ask = sample.filter((id) => perTrace === undefined || (known.get(id)?.distinctSpans ?? 0) < perTrace);
    for (const trace of await tracesInTempo(stack.endpoints.tempo, ask)) known.set(trace.traceId, trace);
    const traces = sample.map((id) => known.get(id)!);
    const spans: number = perTrace ?? mostCommon(traces.filter((t) => t.distinctSpans > 0).map((t) => t.distinctSpans));
    perTrace = spans;
    const { query, count } = await lokiLineCount(stack.endpoints.loki, lines, from, to);
    const ids = (await lokiLineTraceIds(stack.endpoints.loki, lines, from, to)).filter((id) => sent.has(id));
    const found = new Set(ids);
    const lostTraces = new Set(traces.filter((t) => t.distinctSpans < spans).map((t) => t.traceId));
    const spansArrived = traces.reduce((sum, t) => sum + Math.min(t.distinctSpans, spans), 0);
    const counted: Counted = {
      spans: {
        sent: sample.length * spans, arrived: spansArrived, lost: sample.length * spans - spansArrived,
        duplicated: traces.reduce((sum, t) => sum + t.spans - t.distinctSpans, 0),
        traces: `${traces.filter((t) => t.distinctSpans >= spans).length}/${sample.length} traces complete`,
        lostSent: sentRange(phase, phase.requests.filter((r) => lostTraces.has(r.traceId))),
      },
      logs: {
        // Loki's query_range hides a line stored twice with the same timestamp (a re-read after an
        // Alloy restart); its count_over_time counts both: duplicates are the count beyond the distinct ids.
        sent: answered.length, arrived: count, lost: answered.filter((r) => !found.has(r.traceId)).length, duplicated: count - found.size, query,
        lostSent: sentRange(phase, answered.filter((r) => !found.has(r.traceId))),
      },
    };
    if ((counted.spans.lost === 0 && counted.logs.lost === 0) || Date.now() > deadline) return { ...counted, spansPerTrace: spans };
    if (counted.spans.lost > 0 && !flushed && Date.now() - started > 30_000) {
      // A read asks 2 of the 3 Tempo pods, so a span whose other copy died with a killed pod is not
      // found in the pods' memory; flushed, it is in the object store, which every querier reads.
      progress(`${phase.fault}: ${counted.spans.lost} spans not found in the Tempo pods' memory; flushing every pod's blocks to the object store`);
      await Promise.all(stack.tempoPods.map((url) => fetch(`${url}/flush`, { method: 'POST' }).catch(() => undefined)));
      flushed = true;
    }
    progress(`${phase.fault}: ${counted.spans.lost} spans and ${counted.logs.lost} log lines not (yet) there; counting again in 5 s`);
    await sleep(5_000);
  }
}

function mostCommon(values: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  progress(`${options.short ? 'short mode: ' : ''}faults ${options.faults.join(', ')}, ${options.requestsPerSecond} requests/s, down ${options.downSeconds} s`);
  const registry = new ProcessRegistry();
  // Ctrl-C or a CI timeout: stop the backends (each in its own process group) before leaving.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void registry.stopAll(1_000).finally(() => process.exit(130)));
  }
  const workDir = mkdtempSync(path.join(tmpdir(), 'e2e-faults-'));
  let keep = process.env.E2E_KEEP_WORKDIR === '1';
  try {
    progress('training the model on the 20 Newsgroups archive');
    const model = await newsgroupsModel();
    progress('starting the current profile\'s stack on the real backends');
    const stack = await startCurrentStack({ workDir, modelPath: Promise.resolve(model.modelPath), registry });
    progress(`stack ready; what stands in for Alloy's k8sattributes (no Kubernetes API here):\n${stack.alloy.k8sAttributesStandIn}`);
    const documents = model.documents;
    // Long enough for the backends' start-up work (Tempo's first compactions and flushes) to pass
    // before the baseline, whose p99 every fault window is judged against.
    const warmUpMs = options.short ? 5_000 : 30_000;
    progress(`warm-up: ${warmUpMs / 1000} s of load, not counted`);
    await runSteadyLoad({ serviceUrl: stack.endpoints.service, documents, requestsPerSecond: options.requestsPerSecond, durationMs: warmUpMs });

    const rows: string[][] = [];
    const missed: string[] = [];
    let baselineP99 = Number.NaN;
    let spansPerTrace: number | undefined;
    for (const fault of ['none' as const, ...options.faults]) {
      progress(fault === 'none' ? 'baseline: load without a fault' : `${fault}: load, then SIGKILL`);
      await sleep(3_000);
      const phase = await runPhase(stack, fault, options, documents);
      progress(`${fault}: ${phase.requests.length} requests sent; counting in Tempo and Loki`);
      const counted = await countArrivals(stack, phase, options, spansPerTrace, fault === 'none' ? 30_000 : 90_000);
      spansPerTrace ??= counted.spansPerTrace;
      const inWindow = phase.requests.filter((r) => r.sentAt >= phase.window.from && r.sentAt <= phase.window.to);
      const p99 = percentile(inWindow.map((r) => r.latencyMs), 99);
      if (fault === 'none') baselineP99 = p99;
      const non2xx = phase.requests.filter((r) => r.status < 200 || r.status > 299).length;
      const duration = fault === 'none' ? '-' : ((phase.window.to - phase.window.from) / 1000).toFixed(1);
      const common = [fault, duration];
      const tail = [String(non2xx), p99.toFixed(1), baselineP99.toFixed(1)];
      rows.push([...common, `spans (${counted.spans.traces})`, ...[counted.spans.sent, counted.spans.arrived, counted.spans.lost, counted.spans.duplicated].map(String), ...tail]);
      rows.push([...common, 'log lines', ...[counted.logs.sent, counted.logs.arrived, counted.logs.lost, counted.logs.duplicated].map(String), ...tail]);
      const scrapes = await countScrapes(stack, phase);
      rows.push([...common, `scrapes (longest gap ${scrapes.longestGapSeconds.toFixed(1)} s)`, ...[scrapes.expected, scrapes.stored, Math.max(0, scrapes.expected - scrapes.stored), 0].map(String), ...tail]);
      progress(`${fault}: spans ${JSON.stringify(counted.spans)}; log lines ${JSON.stringify(counted.logs)}; non-2xx ${non2xx}; p99 ${p99.toFixed(1)} ms`);
      if (counted.spans.lost > 0) missed.push(`${fault}: ${counted.spans.lost} spans lost`);
      if (counted.logs.lost > 0) missed.push(`${fault}: ${counted.logs.lost} log lines lost`);
      if (non2xx > 0) missed.push(`${fault}: ${non2xx} non-2xx answers`);
      // A shared CI machine's latency says more about its other jobs than about the fault.
      if (!options.short && fault !== 'none' && p99 > baselineP99 * 1.1) missed.push(`${fault}: p99 ${p99.toFixed(1)} ms, more than 10 % above the baseline's ${baselineP99.toFixed(1)} ms`);
    }
    process.stdout.write(`\n${formatTable(['fault', 'down→ready s', 'signal', 'sent', 'arrived', 'lost', 'duplicated', 'non-2xx', 'p99 ms (fault window)', 'p99 ms (baseline)'], rows)}\n`);
    process.stdout.write(`spans: a random sample of ${Number.isFinite(options.tempoSample) ? options.tempoSample : 'all'} answered requests per phase, each trace asked of Tempo by id; sent = sample × ${spansPerTrace} spans per request\n`);
    process.stdout.write('log lines: sent = requests answered; arrived = the LogQL count over the phase; lost = answered requests whose trace id no line carries; duplicated = arrived − distinct trace ids\n');
    process.stdout.write('scrapes: the service\'s `up` samples Prometheus stored over the phase against those due at the scrape interval (no target: a gap is not replayed)\n');
    if (missed.length > 0) {
      keep = true;
      process.stdout.write(`targets missed:\n  ${missed.join('\n  ')}\n(backend logs and configs kept in ${workDir})\n`);
      return 1;
    }
    process.stdout.write('every target met\n');
    return 0;
  } finally {
    await registry.stopAll();
    if (!keep) rmSync(workDir, { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code), (error: Error) => {
  process.stderr.write(`e2e:faults: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
