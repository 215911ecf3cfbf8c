/**
 * `npm run bench:capacity`: what one request costs in the current profile's real backends, and how
 * much one Loki and one Tempo process take, on this machine. It starts the stack the end-to-end test
 * starts (test/e2e/support/current-stack.ts: SeaweedFS 4.44, Loki 3.7.6 Monolithic, Tempo 2.10.8,
 * Alloy, Prometheus 3.14.0 and the model service, each with its rendered config) and prints:
 *
 *  1. bytes per request in the object store: --requests traced /predict calls, Alloy ships their log
 *     lines, Loki and Tempo flush, and the growth of SeaweedFS' loki-chunks and tempo-traces buckets
 *     is divided by the requests;
 *  2. Prometheus series of the pod, after labelled feedback for every class: all of them, those with
 *     a `class` label (per class), and those with `true_class` (per (true, predicted) pair seen);
 *  3. the sustained ingest rate of one Loki and one Tempo process pinned to CPU 0 (taskset, every
 *     thread), this process on CPU 1: rates double each --step-seconds until a rate is not taken in
 *     full and on time (a refused push, items missing from the backend's received counter, or the
 *     sender falling more than a second behind).
 *
 * Wrap it in `flock /tmp/bench.lock`. Options: --model <file> (default model-service/models/model.json),
 * --requests <n> (2000), --step-seconds <s> (10).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadNewsgroups } from '../model-service/src/data/newsgroups';
import { numberFlag, parseFlags } from '../model-service/src/cli/flags';
import { CurrentLocalStack, startCurrentStack } from '../test/e2e/support/current-stack';
import { ProcessRegistry } from '../test/e2e/support/processes';
import { REPO_ROOT } from '../verify/inputs';

const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), { model: { type: 'string' }, requests: { type: 'string' }, 'step-seconds': { type: 'string' } });
  const modelPath = path.resolve(flags.model ?? path.join(REPO_ROOT, 'model-service/models/model.json'));
  const requests = numberFlag('requests', flags.requests, { integer: true, min: 100 }) ?? 2000;
  const stepSeconds = numberFlag('step-seconds', flags['step-seconds'], { min: 2 }) ?? 10;
  execFileSync('taskset', ['-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  const documents = (await loadNewsgroups({})).test.map((d) => d.text);

  const workDir = mkdtempSync(path.join(tmpdir(), 'capacity-'));
  const registry = new ProcessRegistry();
  try {
    log(`starting the current profile's stack in ${workDir} ...`);
    const stack = await startCurrentStack({ workDir, modelPath: Promise.resolve(modelPath), registry, log });
    const storage = await bytesPerRequest(stack, documents, requests);
    const series = await seriesOfThePod(stack, documents);
    const lokiPid = pidOf(workDir, 'loki/config.yaml');
    const tempoPid = pidOf(workDir, 'tempo/tempo.yaml');
    for (const pid of [lokiPid, tempoPid]) execFileSync('taskset', ['-a', '-p', '-c', '0', String(pid)], { stdio: 'ignore' });
    const loki = await sustainedRate('Loki lines', stepSeconds, 1000, lokiPusher(stack));
    const tempo = await sustainedRate('Tempo spans', stepSeconds, 1000, tempoPusher(stack));
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    console.log(JSON.stringify({ requests, storage, series, loki, tempo, loadAverage: load, date: new Date().toISOString().slice(0, 10) }, null, 2));
  } finally {
    await registry.stopAll();
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** The process whose command line names `file` under `workDir`. */
function pidOf(workDir: string, file: string): number {
  const wanted = path.join(workDir, file);
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').some((a) => a.includes(wanted))) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`no process runs ${wanted}`);
}

/** Bytes of the files under a filer folder, recursively. */
async function folderBytes(filerUrl: string, folder: string): Promise<number> {
  const response = await fetch(`${filerUrl}${folder}?limit=100000`, { headers: { accept: 'application/json' } });
  if (!response.ok) return 0;
  const body = (await response.json()) as { Entries?: { FullPath: string; Mode: number; FileSize: number }[] | null };
  let bytes = 0;
  for (const entry of body.Entries ?? []) {
    bytes += entry.Mode & 0x80000000 ? await folderBytes(filerUrl, `${entry.FullPath}/`) : entry.FileSize;
  }
  return bytes;
}

async function storedBytes(stack: CurrentLocalStack): Promise<{ loki: number; tempo: number }> {
  const { filerUrl } = stack.objectStore;
  return { loki: await folderBytes(filerUrl, '/buckets/loki-chunks/'), tempo: await folderBytes(filerUrl, '/buckets/tempo-traces/') };
}

async function counter(url: string, name: string): Promise<number> {
  const text = await (await fetch(url)).text();
  return text.split('\n').filter((l) => l.startsWith(name)).reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

async function flushAndSettle(stack: CurrentLocalStack): Promise<{ loki: number; tempo: number }> {
  await Promise.all([fetch(`${stack.endpoints.loki}/flush`, { method: 'POST' }), fetch(`${stack.endpoints.tempo}/flush`, { method: 'POST' })]);
  let last = await storedBytes(stack);
  for (let stable = 0; stable < 3;) {
    await sleep(2_000);
    const now = await storedBytes(stack);
    stable = now.loki === last.loki && now.tempo === last.tempo ? stable + 1 : 0;
    last = now;
  }
  return last;
}

async function bytesPerRequest(stack: CurrentLocalStack, documents: readonly string[], requests: number) {
  const before = await flushAndSettle(stack);
  const linesBefore = await counter(`${stack.endpoints.loki}/metrics`, 'loki_distributor_lines_received_total');
  const lokiBytesBefore = await counter(`${stack.endpoints.loki}/metrics`, 'loki_distributor_bytes_received_total');
  const spansBefore = await counter(`${stack.endpoints.tempo}/metrics`, 'tempo_distributor_spans_received_total');
  log(`sending ${requests} requests ...`);
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < requests) {
      const i = next++;
      const r = await fetch(`${stack.endpoints.service}/predict`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: documents[i % documents.length] });
      await r.arrayBuffer();
    }
  }));
  // Every line shipped by Alloy and every span received before flushing.
  const deadline = Date.now() + 120_000;
  let lines = 0;
  let spans = 0;
  while (Date.now() < deadline) {
    lines = (await counter(`${stack.endpoints.loki}/metrics`, 'loki_distributor_lines_received_total')) - linesBefore;
    spans = (await counter(`${stack.endpoints.tempo}/metrics`, 'tempo_distributor_spans_received_total')) - spansBefore;
    if (lines >= requests && spans >= requests) break;
    await sleep(1_000);
  }
  await sleep(3_000);
  lines = (await counter(`${stack.endpoints.loki}/metrics`, 'loki_distributor_lines_received_total')) - linesBefore;
  spans = (await counter(`${stack.endpoints.tempo}/metrics`, 'tempo_distributor_spans_received_total')) - spansBefore;
  // What Loki's ingestion limits count: the line and its structured metadata, before compression.
  const ingestedBytes = (await counter(`${stack.endpoints.loki}/metrics`, 'loki_distributor_bytes_received_total')) - lokiBytesBefore;
  const after = await flushAndSettle(stack);
  return {
    loki: { bytesPerRequest: (after.loki - before.loki) / requests, linesPerRequest: lines / requests, ingestedBytesPerLine: ingestedBytes / lines },
    tempo: { bytesPerRequest: (after.tempo - before.tempo) / requests, spansPerRequest: spans / requests },
  };
}

async function promql(stack: CurrentLocalStack, query: string): Promise<number> {
  const body = (await (await fetch(`${stack.endpoints.prometheus}/api/v1/query?query=${encodeURIComponent(query)}`)).json()) as { data: { result: { value: [number, string] }[] } };
  return Number(body.data.result[0]?.value[1] ?? 0);
}

async function seriesOfThePod(stack: CurrentLocalStack, documents: readonly string[]) {
  // Labelled feedback, each prediction labelled with every class in turn, so the confusion counter
  // has a series for every (true, predicted) pair it can reach.
  const classes: string[] = [];
  for (let i = 0; i < 400; i++) {
    const answer = (await (await fetch(`${stack.endpoints.service}/predict`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: documents[i % documents.length] })).json()) as { predictionId: string; result: string; probabilities: Record<string, number> };
    if (classes.length === 0) classes.push(...Object.keys(answer.probabilities));
    const label = classes[i % classes.length];
    await (await fetch(`${stack.endpoints.service}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ predictionId: answer.predictionId, label }) })).arrayBuffer();
  }
  await sleep(6_000);
  const selector = `{app="${stack.appName}", pod="${stack.pod.name}"}`;
  const all = await promql(stack, `count(${selector})`);
  const withClass = await promql(stack, `count({app="${stack.appName}", pod="${stack.pod.name}", class!=""})`);
  const classCount = await promql(stack, `count(count by (class) ({app="${stack.appName}", pod="${stack.pod.name}", class!=""}))`);
  const pairSeries = await promql(stack, `count({app="${stack.appName}", pod="${stack.pod.name}", true_class!=""})`);
  const pairs = await promql(stack, `count(count by (true_class, predicted_class) ({app="${stack.appName}", pod="${stack.pod.name}", true_class!=""}))`);
  return {
    all, withClass, classes: classCount, perClass: withClass / classCount, pairSeries, pairs, perPair: pairSeries / pairs,
    withoutClass: all - withClass - pairSeries, selector,
  };
}

type Pusher = (items: number) => Promise<{ ok: boolean; detail: string }>;

/**
 * Offers `rate` items a second in 10 batches a second for `seconds`; kept up when every batch was
 * accepted, the backend's received counter grew by every item, and the sender ended on time.
 */
async function sustainedRate(label: string, seconds: number, startRate: number, push: Pusher & { received(): Promise<number> }) {
  let sustained = 0;
  for (let rate = startRate; rate <= 256_000; rate *= 2) {
    const before = await push.received();
    const batch = Math.round(rate / 10);
    const start = Date.now();
    const sends: Promise<{ ok: boolean; detail: string }>[] = [];
    for (let i = 0; i < seconds * 10; i++) {
      const due = start + i * 100;
      if (Date.now() < due) await sleep(due - Date.now());
      sends.push(push(batch));
    }
    const results = await Promise.all(sends);
    const lagMs = Date.now() - (start + seconds * 1000);
    await sleep(2_000);
    const received = (await push.received()) - before;
    const refused = results.filter((r) => !r.ok);
    const kept = refused.length === 0 && received >= batch * seconds * 10 && lagMs <= 1_000;
    log(`${label}: ${rate}/s for ${seconds} s: ${kept ? 'kept up' : 'did NOT keep up'} (received ${received} of ${batch * seconds * 10}, `
      + `${refused.length} refused${refused[0] ? `: ${refused[0].detail}` : ''}, ended ${lagMs} ms late)`);
    if (!kept) return { sustainedPerSecond: sustained, failedPerSecond: rate, failure: refused[0]?.detail ?? (lagMs > 1_000 ? `sender ${lagMs} ms late` : `received ${received}`) };
    sustained = rate;
  }
  return { sustainedPerSecond: sustained };
}

/** Pushes copies of a real request line of the service, with Alloy's labels and structured metadata. */
function lokiPusher(stack: CurrentLocalStack): Pusher & { received(): Promise<number> } {
  const labels = { app: stack.appName, namespace: stack.namespace, pod: stack.pod.name, container: stack.appName, job: `${stack.namespace}/${stack.appName}`, node_name: stack.pod.nodeName, instance: stack.appName, component: 'inference' };
  let n = 0;
  const push = async (items: number) => {
    const now = BigInt(Date.now()) * 1_000_000n;
    const values = Array.from({ length: items }, (_, i) => {
      const traceId = (n++).toString(16).padStart(32, '0');
      const line = JSON.stringify({ level: 30, time: Date.now(), pid: 1, hostname: stack.pod.name, trace_id: traceId, span_id: traceId.slice(16), trace_flags: '01', route: '/predict', method: 'POST', statusCode: 200, durationMs: 0.8, predicted: 'rec.autos', confidence: 0.97, modelVersion: 'x', predictionId: `${traceId}-${traceId.slice(16)}`, msg: 'request completed' });
      return [String(now + BigInt(i)), line, { trace_id: traceId }];
    });
    const r = await fetch(`${stack.endpoints.loki}/loki/api/v1/push`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ streams: [{ stream: labels, values }] }) });
    return { ok: r.ok, detail: r.ok ? '' : `${r.status} ${(await r.text()).slice(0, 160)}` };
  };
  return Object.assign(push, { received: () => counter(`${stack.endpoints.loki}/metrics`, 'loki_distributor_lines_received_total') });
}

/** Pushes traces shaped like the service's (a server span and 4 children), as OTLP/HTTP JSON. */
function tempoPusher(stack: CurrentLocalStack): Pusher & { received(): Promise<number> } {
  let n = 0;
  const push = async (items: number) => {
    const start = BigInt(Date.now()) * 1_000_000n;
    const spans = Array.from({ length: items }, (_, i) => {
      const trace = Math.floor((n + i) / 5);
      // A trace id of all zeros is invalid: number them from 1.
      const traceId = (trace + 1).toString(16).padStart(32, '0');
      const spanId = (n + i + 1).toString(16).padStart(16, '0');
      const root = (trace * 5 + 1).toString(16).padStart(16, '0');
      return {
        traceId, spanId, ...(spanId === root ? {} : { parentSpanId: root }), name: spanId === root ? 'POST /predict' : 'predict.stage',
        kind: spanId === root ? 2 : 1, startTimeUnixNano: String(start), endTimeUnixNano: String(start + 800_000n),
        attributes: [{ key: 'http.route', value: { stringValue: '/predict' } }, { key: 'model.version', value: { stringValue: 'x' } }], status: {},
      };
    });
    n += items;
    const body = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: stack.appName } }, { key: 'k8s.pod.name', value: { stringValue: stack.pod.name } }] }, scopeSpans: [{ scope: { name: 'capacity' }, spans }] }] };
    const r = await fetch(`${stack.endpoints.otlp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { ok: r.ok, detail: r.ok ? '' : `${r.status} ${(await r.text()).slice(0, 160)}` };
  };
  return Object.assign(push, { received: () => counter(`${stack.endpoints.tempo}/metrics`, 'tempo_distributor_spans_received_total') });
}

main().catch((error: Error) => {
  process.stderr.write(`bench:capacity: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
