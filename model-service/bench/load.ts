/**
 * `npm run load`: load-tests a running model service (start one with
 * `npm run serve -- --model <file>`) with random 20 Newsgroups test documents.
 *
 *   --scenario in-domain (default) | drift | feedback: see bench/scenarios.ts
 *              (--drift-rate 0.5, --feedback-rate 1, --wrong-label-rate 0)
 *
 *   --mode users  (default) the reference Locust scenario: N users (5), each
 *                 posting a document then thinking 0.1-0.2 s
 *   --mode max    open-loop maximum throughput with autocannon (--connections 16)
 *
 * Bounded in time (--duration, default 30 s) and count (--max-requests,
 * default 1,000,000), loopback targets only. Shows live progress, then a
 * summary: req/s, p50/p95/p99 latency, responses by status, errors.
 */
import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { SingleBar } from 'cli-progress';
import { loadScenarioDocuments, nextStep, runStep, ScenarioDocuments, ScenarioMix, SCENARIOS, ScenarioName, serviceClasses } from './scenarios';
import { UsageError, parseFlags } from '../src/cli/flags';
import { CliError, runCli } from '../src/cli/run-cli';
import { describeFetchError } from '../src/cli/fetch-errors';
import { CONFIG_KEYS, ROUTES } from '../src/contract';

interface Options {
  readonly url: URL;
  readonly mode: 'users' | 'max';
  readonly users: number;
  readonly thinkMinMs: number;
  readonly thinkMaxMs: number;
  readonly connections: number;
  readonly durationS: number;
  readonly maxRequests: number;
  readonly mix: ScenarioMix;
}

/** Latencies (ms) and outcomes of one run. */
class Results {
  private latencies = new Float64Array(1 << 16);
  count = 0;
  readonly byStatus = new Map<string, number>();
  /** Answers of POST /feedback (feedback scenario), by status. */
  readonly feedbackByStatus = new Map<string, number>();

  recordFeedback(status: string): void {
    this.feedbackByStatus.set(status, (this.feedbackByStatus.get(status) ?? 0) + 1);
  }

  record(status: string, latencyMs: number): void {
    if (this.count === this.latencies.length) {
      const bigger = new Float64Array(this.latencies.length * 2);
      bigger.set(this.latencies);
      this.latencies = bigger;
    }
    this.latencies[this.count] = latencyMs;
    this.count += 1;
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
  }

  percentiles(ps: readonly number[]): number[] {
    const sorted = this.latencies.slice(0, this.count).sort();
    return ps.map((p) => (this.count === 0 ? NaN : sorted[Math.min(this.count - 1, Math.ceil((p / 100) * this.count) - 1)]));
  }

  errors(): number {
    let n = 0;
    for (const [status, count] of this.byStatus) if (status !== '200') n += count;
    return n;
  }
}

export const LOAD_USAGE = `Usage: npm run load -- [options]

Load-tests a running model service on this machine (start one with npm run serve) with random
20 Newsgroups test documents of the served model's classes, then prints req/s, latency
percentiles and responses by status. Needs the archive: NEWSGROUPS_DATA or the cache.

Options:
  --url URL                 the service, a loopback address (default http://127.0.0.1:${CONFIG_KEYS.port.default})
  --mode users|max          users: the reference Locust scenario, each user posting a document then
                            thinking (default); max: open-loop maximum throughput with autocannon
  --users N                 concurrent users, mode users (default 5)
  --think-min S, --think-max S  think time range in seconds, mode users (default 0.1 and 0.2)
  --connections N           connections, mode max (default 16)
  --duration S              how long to run, in seconds (default 30)
  --max-requests N          stop after this many requests (default 1000000)
  --scenario NAME           ${SCENARIOS.join(' | ')} (default in-domain; see bench/scenarios.ts)
  --drift-rate X            share of documents from other categories, scenario drift (default 0.5)
  --feedback-rate X         share of predictions given their true label, scenario feedback (default 1)
  --wrong-label-rate X      share of that feedback naming another class (default 0)
  -h, --help                this text

Exit status: 0 after a run with answered requests; 1 when no service answers at --url or no
request was answered; 2 on bad options.`;

/** Parses the flags; throws UsageError naming the bad one. `undefined` means --help. */
export function parseLoadArgs(argv: string[]): Options | undefined {
  const values = parseFlags(argv, {
    url: { type: 'string', default: `http://127.0.0.1:${CONFIG_KEYS.port.default}` },
    mode: { type: 'string', default: 'users' },
    users: { type: 'string', default: '5' },
    'think-min': { type: 'string', default: '0.1' },
    'think-max': { type: 'string', default: '0.2' },
    connections: { type: 'string', default: '16' },
    duration: { type: 'string', default: '30' },
    'max-requests': { type: 'string', default: '1000000' },
    scenario: { type: 'string', default: 'in-domain' },
    'drift-rate': { type: 'string', default: '0.5' },
    'feedback-rate': { type: 'string', default: '1' },
    'wrong-label-rate': { type: 'string', default: '0' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return undefined;
  const number = (flag: string, raw: string | undefined, min: number, max: number): number => {
    const value = Number(raw);
    if (raw === undefined || raw.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
      throw new UsageError(`--${flag} must be a number from ${min} to ${max}, got "${raw}"`);
    }
    return value;
  };
  let url: URL;
  try {
    url = new URL(values.url!);
  } catch {
    throw new UsageError(`--url must be a URL such as http://127.0.0.1:${CONFIG_KEYS.port.default}, got "${values.url}"`);
  }
  // Load only ever targets this machine.
  if (!['localhost', '[::1]'].includes(url.hostname) && !/^127\.\d+\.\d+\.\d+$/.test(url.hostname)) {
    throw new UsageError(`--url must be a loopback address (127.x.x.x, localhost, [::1]), got ${url.hostname}`);
  }
  if (values.mode !== 'users' && values.mode !== 'max') throw new UsageError(`--mode must be "users" or "max", got "${values.mode}"`);
  const scenario = values.scenario as ScenarioName;
  if (!SCENARIOS.includes(scenario)) throw new UsageError(`--scenario must be one of ${SCENARIOS.join(', ')}, got "${values.scenario}"`);
  if (scenario === 'feedback' && values.mode === 'max') throw new UsageError('--scenario feedback needs --mode users (each feedback waits for its prediction\'s id)');
  const thinkMin = number('think-min', values['think-min'], 0, 60);
  const thinkMax = number('think-max', values['think-max'], thinkMin, 60);
  return {
    url,
    mode: values.mode,
    users: Math.floor(number('users', values.users, 1, 1000)),
    thinkMinMs: thinkMin * 1000,
    thinkMaxMs: thinkMax * 1000,
    connections: Math.floor(number('connections', values.connections, 1, 1000)),
    durationS: number('duration', values.duration, 1, 3600),
    maxRequests: Math.floor(number('max-requests', values['max-requests'], 1, 10_000_000)),
    mix: {
      scenario,
      driftRate: number('drift-rate', values['drift-rate'], 0, 1),
      feedbackRate: number('feedback-rate', values['feedback-rate'], 0, 1),
      wrongLabelRate: number('wrong-label-rate', values['wrong-label-rate'], 0, 1),
    },
  };
}

async function checkService(url: URL): Promise<void> {
  try {
    const response = await fetch(new URL(ROUTES.ready, url));
    if (!response.ok) throw new Error(`GET /readyz answered ${response.status}`);
  } catch (err) {
    throw new CliError(`no ready model service at ${url.origin} (${describeFetchError(err)}); start one with \`npm run serve\`, or give its address with --url`);
  }
}

function progressBar(options: Options): SingleBar {
  const bar = new SingleBar({
    format: `${options.mode === 'users' ? `${options.users} users` : `max, ${options.connections} connections`} |{bar}| {value}/{total} s | {requests} requests | {rps} req/s | {errors} errors`,
    hideCursor: true,
    stream: process.stderr,
  });
  bar.start(Math.ceil(options.durationS), 0, { requests: 0, rps: 0, errors: 0 });
  return bar;
}

/** The Locust scenario: each user posts a document of the scenario (and its feedback), waits 0.1-0.2 s, repeats. */
async function runUsers(options: Options, documents: ScenarioDocuments, results: Results): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.users });
  const started = performance.now();
  const deadline = started + options.durationS * 1000;
  const user = async (): Promise<void> => {
    while (performance.now() < deadline && results.count < options.maxRequests) {
      const step = nextStep(options.mix, documents);
      const t0 = performance.now();
      const outcome = await runStep(options.url, agent, step);
      results.record(outcome.predict, performance.now() - t0);
      if (outcome.feedback !== undefined) results.recordFeedback(outcome.feedback);
      const think = options.thinkMinMs + Math.random() * (options.thinkMaxMs - options.thinkMinMs);
      await new Promise((r) => setTimeout(r, think));
    }
  };
  const bar = progressBar(options);
  const ticker = setInterval(() => {
    const elapsed = (performance.now() - started) / 1000;
    bar.update(Math.min(Math.ceil(options.durationS), Math.floor(elapsed)), {
      requests: results.count, rps: (results.count / elapsed).toFixed(0), errors: results.errors(),
    });
  }, 500);
  await Promise.all(Array.from({ length: options.users }, user));
  clearInterval(ticker);
  bar.update(Math.ceil(options.durationS), { requests: results.count, rps: '-', errors: results.errors() });
  bar.stop();
  agent.destroy();
  return (performance.now() - started) / 1000;
}

/** Open loop at full speed with autocannon, one random document per request. */
async function runMax(options: Options, documents: ScenarioDocuments, results: Results): Promise<number> {
  const started = performance.now();
  const instance = autocannon({
    url: new URL(ROUTES.predict, options.url).toString(),
    connections: options.connections,
    // Not `amount`: autocannon then ignores `duration`; the count bound is enforced below.
    duration: options.durationS,
    requests: [{
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      setupRequest: (req: Record<string, unknown>) => ({ ...req, body: nextStep(options.mix, documents).text }),
    }],
  });
  const bar = progressBar(options);
  let errors = 0;
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    results.record(String(statusCode), responseTime);
    if (results.count === options.maxRequests) (instance as unknown as { stop(): void }).stop();
  });
  instance.on('reqError', () => {
    errors += 1;
    results.record('connection error', 0);
  });
  const ticker = setInterval(() => {
    const elapsed = (performance.now() - started) / 1000;
    bar.update(Math.min(Math.ceil(options.durationS), Math.floor(elapsed)), {
      requests: results.count, rps: (results.count / elapsed).toFixed(0), errors: results.errors(),
    });
  }, 500);
  await new Promise<void>((resolve) => instance.on('done', () => resolve()));
  clearInterval(ticker);
  bar.update(Math.ceil(options.durationS), { requests: results.count, rps: '-', errors: results.errors() + errors });
  bar.stop();
  return (performance.now() - started) / 1000;
}

function describeMix(mix: ScenarioMix): string {
  switch (mix.scenario) {
    case 'in-domain': return 'in-domain (test documents of the model\'s classes)';
    case 'drift': return `drift (${Math.round(mix.driftRate * 100)} % documents of other categories)`;
    case 'feedback': return `feedback (true label for ${Math.round(mix.feedbackRate * 100)} % of predictions, `
      + `${Math.round(mix.wrongLabelRate * 100)} % of them another class)`;
  }
}

function printSummary(options: Options, results: Results, seconds: number): void {
  const [p50, p95, p99] = results.percentiles([50, 95, 99]);
  const rows: [string, string][] = [
    ['mode', options.mode === 'users'
      ? `${options.users} users, think ${options.thinkMinMs / 1000}-${options.thinkMaxMs / 1000} s`
      : `max throughput, ${options.connections} connections`],
    ['scenario', describeMix(options.mix)],
    ['target', `${options.url.origin}/predict`],
    ['duration', `${seconds.toFixed(1)} s`],
    ['requests', String(results.count)],
    ['throughput', `${(results.count / seconds).toFixed(1)} req/s`],
    ['latency p50', `${p50.toFixed(2)} ms`],
    ['latency p95', `${p95.toFixed(2)} ms`],
    ['latency p99', `${p99.toFixed(2)} ms`],
    ...[...results.byStatus].sort().map(([status, count]): [string, string] => [`status ${status}`, String(count)]),
    ['errors (not 200)', `${results.errors()} (${((100 * results.errors()) / Math.max(1, results.count)).toFixed(2)} %)`],
    ...[...results.feedbackByStatus].sort().map(([status, count]): [string, string] => [`feedback ${status}`, String(count)]),
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log('');
  for (const [key, value] of rows) console.log(`  ${key.padEnd(width)}  ${value}`);
}

async function main(): Promise<void> {
  const options = parseLoadArgs(process.argv.slice(2));
  if (options === undefined) {
    process.stdout.write(`${LOAD_USAGE}\n`);
    return;
  }
  await checkService(options.url);
  process.stderr.write('loading test documents ...\n');
  const documents = await loadScenarioDocuments(await serviceClasses(options.url));
  const results = new Results();
  const seconds = options.mode === 'users'
    ? await runUsers(options, documents, results)
    : await runMax(options, documents, results);
  printSummary(options, results, seconds);
  if (results.count === 0) process.exitCode = 1;
}

// Run only as a program, so tests can import parseLoadArgs.
if (require.main === module) runCli(main, LOAD_USAGE);
