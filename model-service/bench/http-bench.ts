/**
 * `npm run bench:http`: the service's HTTP throughput, side by side in one run.
 *
 *   (a) bare Fastify route answering a constant (the HTTP ceiling)
 *   (b) the service, telemetry off (no tracing, no per-request log line; metrics stay on)
 *   (c) the service, full telemetry: every request traced (5 spans) and exported
 *       over OTLP/HTTP to a local sink that decodes them, a log line per request
 *   (d) what the issue measures (c) against: a Fastify app answering a constant
 *       (no model) with OpenTelemetry set up as its docs show (http, @fastify/otel
 *       and pino instrumentations, every span exported to the same sink), pino
 *       request logging and prom-client request metrics
 *
 * The server is pinned to CPU 0 (taskset), wrk and this process (with the OTLP
 * sink) to CPU 1; 16 connections post random 20 Newsgroups test documents.
 * Prints req/s, p50/p99, the ratios and the server's RSS after each run.
 *
 * Options: --model <file> (default: train one), --duration <s> (15), --warmup <s> (3),
 *          --connections <n> (16), --only a,b,c,d, --rounds <n> (1; >1 interleaves and reports medians)
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startOtlpSink } from './otlp-sink';
import { prepareWorkload } from './workload';

const WRK = '/usr/bin/wrk';
const BUILD_ROOT = resolve(__dirname, '..');
const SERVER_CPU = '0';
export const LOAD_CPU = '1';
/** USER_HZ, the unit of /proc/<pid>/stat times (100 on Linux, see `getconf CLK_TCK`). */
const CLOCK_TICKS_PER_SECOND = 100;

export interface Scenario {
  readonly id: 'a' | 'b' | 'c' | 'd';
  readonly title: string;
  readonly args: string[];
  readonly env: NodeJS.ProcessEnv;
  /** The server takes its port as its last argument (the bench apps) rather than `--port` (the service). */
  readonly portAsArgument?: boolean;
}

export interface WrkResult {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
  readonly non2xx: number;
  readonly socketErrors: string;
}

interface Row extends WrkResult {
  readonly scenario: Scenario;
  readonly rssMb: number;
  /** Server CPU time (user + system, all threads) per request during the measured run. */
  readonly cpuUsPerRequest: number;
  readonly note: string;
  /** req/s of every round (set on the median row). */
  readonly allRequestsPerSecond: number[];
}

/** The round with the median throughput, carrying every round's req/s. */
function median(rows: Row[]): Row {
  const sorted = [...rows].sort((x, y) => x.requestsPerSecond - y.requestsPerSecond);
  return { ...sorted[Math.floor((sorted.length - 1) / 2)], allRequestsPerSecond: rows.map((r) => r.requestsPerSecond) };
}

// wrk picks a random test document per request from a length-prefixed file.
const WRK_SCRIPT = `
local docs = {}
local f = assert(io.open(os.getenv("DOCS_FILE"), "rb"))
local data = f:read("*a"); f:close()
local pos = 1
while pos <= #data do
  local nl = data:find("\\n", pos, true)
  local len = tonumber(data:sub(pos, nl - 1))
  docs[#docs + 1] = data:sub(nl + 1, nl + len)
  pos = nl + 1 + len
end
local headers = { ["Content-Type"] = "text/plain; charset=utf-8" }
math.randomseed(42)
request = function()
  return wrk.format("POST", "/predict", headers, docs[math.random(#docs)])
end
`;

export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      duration: { type: 'string', default: '15' },
      warmup: { type: 'string', default: '3' },
      connections: { type: 'string', default: '16' },
      only: { type: 'string', default: 'a,b,c,d' },
      rounds: { type: 'string', default: '1' },
    },
  });
  const duration = positiveInt(values.duration!, '--duration');
  const warmup = positiveInt(values.warmup!, '--warmup', true);
  const connections = positiveInt(values.connections!, '--connections');
  const rounds = positiveInt(values.rounds!, '--rounds');
  if (!existsSync(WRK)) throw new Error(`${WRK} not found: install it with \`apt-get install wrk\``);
  if (!existsSync('/usr/bin/taskset')) throw new Error('taskset not found: install util-linux');
  // This process runs the OTLP sink: keep it off the server's core.
  execFileSync('taskset', ['-p', '-c', LOAD_CPU, String(process.pid)], { stdio: 'ignore' });

  const workload = await prepareWorkload(values.model, log);
  const dir = await mkdtemp(join(tmpdir(), 'http-bench-'));
  const { docsFile, scriptFile } = await writeWrkInputs(dir, workload.documents);
  const sink = await startOtlpSink();

  const all: Scenario[] = [
    { id: 'a', title: 'bare Fastify, constant answer', args: [join(BUILD_ROOT, 'bench/bare-fastify.js')], env: {}, portAsArgument: true },
    serviceScenario('b', BUILD_ROOT, workload.modelPath, sink.endpoint),
    serviceScenario('c', BUILD_ROOT, workload.modelPath, sink.endpoint),
    {
      id: 'd',
      title: 'Fastify + default OpenTelemetry, no model',
      args: ['--require', join(BUILD_ROOT, 'bench/instrumented-fastify-telemetry.js'), join(BUILD_ROOT, 'bench/instrumented-fastify.js')],
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_TRACES_SAMPLER: 'always_on' },
      portAsArgument: true,
    },
  ];
  let port = 3100;
  const measureScenario = async (scenario: Scenario, label: string): Promise<Row> => {
    port += 1;
    const logFile = join(dir, `server-${scenario.id}-${port}.log`);
    const spansBefore = sink.spanCount();
    const typesBefore = sink.requestsByContentType();
    const server = await startServer(scenario, port, logFile);
    try {
      const url = `http://127.0.0.1:${port}/`;
      let warmupRequests = 0;
      if (warmup > 0) {
        log(`${label}: warming up ${warmup} s ...`);
        warmupRequests = (await runWrk(url, scriptFile, docsFile, connections, warmup)).requests;
      }
      log(`${label}: measuring ${duration} s ...`);
      const cpuBefore = readCpuSeconds(server.pid!);
      const result = await runWrk(url, scriptFile, docsFile, connections, duration);
      const cpuUsPerRequest = ((readCpuSeconds(server.pid!) - cpuBefore) / result.requests) * 1e6;
      const rssMb = readRssMb(server.pid!);
      await stopServer(server);
      let note = '';
      const total = warmupRequests + result.requests;
      if (scenario.id === 'c') {
        // Let the last batch arrive, then check every request (warm-up included) was traced and logged.
        await new Promise((r) => setTimeout(r, 1_500));
        const lines = (await readFile(logFile, 'utf8')).split('\n').filter((l) => l.includes('"route":"/predict"')).length;
        const types = Object.entries(sink.requestsByContentType())
          .map(([type, n]) => [type, n - (typesBefore[type] ?? 0)] as const)
          .filter(([, n]) => n > 0)
          .map(([type]) => type);
        note = `${total} requests: ${sink.spanCount() - spansBefore} spans exported (${types.join(', ')}), ${lines} request log lines`;
      } else if (scenario.id === 'd') {
        await new Promise((r) => setTimeout(r, 1_500));
        const spans = sink.spanCount() - spansBefore;
        note = `${total} requests: ${spans} spans exported (${(spans / total).toFixed(1)} per request)`;
      }
      return { ...result, scenario, rssMb, cpuUsPerRequest, note, allRequestsPerSecond: [] };
    } finally {
      await stopServer(server);
    }
  };
  const wanted = new Set(values.only!.split(','));
  const scenarios = all.filter((s) => wanted.has(s.id));
  // Rounds interleave the scenarios (a b c a b c ...) so a burst of outside
  // load hits them alike; each scenario reports its median round.
  const byScenario = new Map<string, Row[]>(scenarios.map((s) => [s.id, []]));
  for (let round = 1; round <= rounds; round += 1) {
    for (const scenario of scenarios) {
      const label = `(${scenario.id}) ${scenario.title}${rounds > 1 ? `, round ${round}/${rounds}` : ''}`;
      byScenario.get(scenario.id)!.push(await measureScenario(scenario, label));
    }
  }
  const rows = scenarios.map((s) => median(byScenario.get(s.id)!));
  await sink.close();
  await rm(dir, { recursive: true, force: true });
  await workload.cleanup();
  printTable(rows, connections, duration, rounds);
}

/** Scenario (b) or (c) for the service compiled in `buildRoot` (a model-service build directory). */
export function serviceScenario(id: 'b' | 'c', buildRoot: string, modelPath: string, sinkEndpoint: string): Scenario {
  const args = ['--require', join(buildRoot, 'src/telemetry.js'), join(buildRoot, 'src/server.js'), '--model', modelPath, '--host', '127.0.0.1'];
  return id === 'b'
    ? { id, title: 'service, telemetry off', args, env: { OTEL_SDK_DISABLED: 'true', LOG_LEVEL: 'warn' } }
    : { id, title: 'service, full telemetry', args, env: { OTEL_EXPORTER_OTLP_ENDPOINT: sinkEndpoint, OTEL_TRACES_SAMPLER: 'always_on', LOG_LEVEL: 'info' } };
}

/** Writes wrk's inputs (length-prefixed documents and the Lua script) into `dir`. */
export async function writeWrkInputs(dir: string, documents: readonly string[]): Promise<{ docsFile: string; scriptFile: string }> {
  const docsFile = join(dir, 'documents.bin');
  await writeFile(docsFile, Buffer.concat(documents.flatMap((d) => {
    const bytes = Buffer.from(d, 'utf8');
    return [Buffer.from(`${bytes.length}\n`), bytes];
  })));
  const scriptFile = join(dir, 'random-document.lua');
  await writeFile(scriptFile, WRK_SCRIPT);
  return { docsFile, scriptFile };
}

function positiveInt(raw: string, flag: string, allowZero = false): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) throw new Error(`${flag} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${raw}`);
  return value;
}

export async function startServer(scenario: Scenario, port: number, logFile: string): Promise<ChildProcess> {
  const out = createWriteStream(logFile);
  await new Promise((r) => out.once('open', r));
  const args = scenario.portAsArgument ? [...scenario.args, String(port)] : [...scenario.args, '--port', String(port)];
  const child = spawn('taskset', ['-c', SERVER_CPU, process.execPath, ...args], {
    env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: '', ...scenario.env },
    stdio: ['ignore', out, out],
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server (${scenario.id}) exited with ${child.exitCode}: ${readFileSync(logFile, 'utf8')}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return child;
    } catch {
      // not yet listening
    }
    if (Date.now() > deadline) throw new Error(`server (${scenario.id}) did not start within 30 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/**
 * CPU seconds the server has used (user + system, every thread), from
 * /proc/<pid>/stat. Per request it is a steadier figure than req/s on a shared
 * machine: it does not count time the server spent waiting for its core.
 */
export function readCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of stat(5), i.e. 11 and 12 after "pid (comm) ".
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

function readRssMb(pid: number): number {
  // taskset execs node in place, so the pid is the server's.
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

export function runWrk(url: string, script: string, docs: string, connections: number, seconds: number): Promise<WrkResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('taskset', ['-c', LOAD_CPU, WRK, '-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, url], {
      env: { ...process.env, DOCS_FILE: docs },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const started = Date.now();
    const ticker = setInterval(() => {
      process.stderr.write(`\r  ${Math.min(seconds, Math.round((Date.now() - started) / 1000))}/${seconds} s`);
    }, 1000);
    child.on('exit', (code) => {
      clearInterval(ticker);
      process.stderr.write(`\r${' '.repeat(20)}\r`);
      if (code !== 0) return reject(new Error(`wrk failed (${code}):\n${out}`));
      try {
        resolvePromise(parseWrk(out));
      } catch (err) {
        reject(err);
      }
    });
  });
}

/** Parses wrk's --latency report; latencies come as e.g. 812.00us, 1.25ms, 1.02s. */
export function parseWrk(out: string): WrkResult {
  const ms = (label: string): number => {
    const m = new RegExp(`^\\s*${label}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(out);
    if (!m) throw new Error(`wrk output has no ${label}% latency:\n${out}`);
    return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
  };
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const requests = /(\d+) requests in/.exec(out);
  if (!rps || !requests) throw new Error(`unexpected wrk output:\n${out}`);
  return {
    requestsPerSecond: Number(rps[1]),
    p50Ms: ms('50'),
    p99Ms: ms('99'),
    requests: Number(requests[1]),
    non2xx: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0),
    socketErrors: /Socket errors:(.*)/.exec(out)?.[1].trim() ?? '',
  };
}

function printTable(rows: Row[], connections: number, duration: number, rounds: number): void {
  const a = rows.find((r) => r.scenario.id === 'a');
  const header = ['scenario', 'req/s', ...(rounds > 1 ? ['rounds req/s'] : []), 'p50 ms', 'p99 ms', 'x (a)', 'server CPU us/req', 'non-2xx', 'RSS MB', 'notes'];
  const body = rows.map((r) => [
    `(${r.scenario.id}) ${r.scenario.title}`,
    r.requestsPerSecond.toFixed(0),
    ...(rounds > 1 ? [r.allRequestsPerSecond.map((v) => v.toFixed(0)).join(' ')] : []),
    r.p50Ms.toFixed(2),
    r.p99Ms.toFixed(2),
    a ? (r.requestsPerSecond / a.requestsPerSecond).toFixed(2) : '-',
    r.cpuUsPerRequest.toFixed(1),
    String(r.non2xx) + (r.socketErrors ? ` (${r.socketErrors})` : ''),
    r.rssMb.toFixed(0),
    r.note,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(`\nPOST /predict, ${connections} connections, ${duration} s per scenario${rounds > 1 ? ` and round (median of ${rounds} interleaved rounds shown)` : ''}, `
    + `server on CPU ${SERVER_CPU}, wrk on CPU ${LOAD_CPU}\n`);
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of body) console.log(line(row));
  const b = rows.find((r) => r.scenario.id === 'b');
  const c = rows.find((r) => r.scenario.id === 'c');
  console.log('');
  if (a && b) console.log(`target (b) >= 0.4 x (a): ${(b.requestsPerSecond / a.requestsPerSecond).toFixed(2)} x -> ${b.requestsPerSecond >= 0.4 * a.requestsPerSecond ? 'met' : 'NOT met'}`);
  if (c) {
    const met = c.requestsPerSecond >= 10_000 && c.p99Ms <= 10;
    console.log(`target (c) >= 10000 req/s with p99 <= 10 ms: ${c.requestsPerSecond.toFixed(0)} req/s, p99 ${c.p99Ms.toFixed(2)} ms -> ${met ? 'met' : 'NOT met'}`);
  }
  const d = rows.find((r) => r.scenario.id === 'd');
  if (c && d) {
    // The machine-independent form of (c)'s target: the issue's 10k req/s is set
    // against ~9.3k for (d) measured on this machine, so (c) must beat (d) in the same run.
    const ratio = c.requestsPerSecond / d.requestsPerSecond;
    console.log(`target (c) faster with the model than (d) without one: (c) / (d) = ${ratio.toFixed(2)} -> ${ratio > 1 ? 'met' : 'NOT met'}`);
  }
  if (b && c) console.log(`cost of full telemetry: (c) / (b) = ${(c.requestsPerSecond / b.requestsPerSecond).toFixed(2)}`);
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`load average after the run: ${load} (2 CPUs; above ~2 means other work shared the cores and the figures are noisy)`);
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`bench:http: ${err.message}\n`);
    process.exit(1);
  });
}
