/**
 * `npm run bench:ab -- --against <build dir>`: is this build cheaper per request
 * than another one? For changes of a few per cent, which `bench:http` cannot
 * resolve on a shared machine (its rounds of the same code differ by 10-25 %).
 *
 * Both builds serve scenario (b) or (c) of `bench:http` at the same time, both
 * pinned to CPU 0, and are loaded in alternating short turns (A B, B A, ...)
 * by wrk on CPU 1, so a change in the machine's state hits both alike. Each
 * turn yields the server's CPU time per request (/proc/<pid>/stat); the verdict
 * is the median of the per-turn ratios current / baseline.
 *
 *   cp -r build build-before        # keep the old build (inside model-service/, so it finds node_modules)
 *   ...change the code...
 *   npm run bench:ab -- --against build-before --scenario c
 *
 * Two settings of one build compare the same way, with a copy of the build and a variable
 * set for one side or each (e.g. the trace export protocol):
 *
 *   cp -r build build-same
 *   npm run bench:ab -- --against build-same --baseline-env OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/json \
 *     --current-env OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/protobuf
 *
 * Options: --against <dir> (required), --scenario b|c (c), --turn <s> (3), --turns <n> (10),
 *          --warmup <s> (3), --connections <n> (16), --model <file> (default: train one),
 *          --baseline-env / --current-env NAME=VALUE (repeatable; set for that build's server only)
 */
import { ChildProcess, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { numberFlag, parseFlags, UsageError } from '../src/cli/flags';
import { runCli } from '../src/cli/run-cli';
import {
  LOAD_CPU, log, readCpuSeconds, runWrk, serviceScenario, startServer, stopServer, writeWrkInputs,
} from './http-bench';
import { startOtlpSink } from './otlp-sink';
import { prepareWorkload } from './workload';
import { median } from './stats';

const PACKAGE_ROOT = resolve(__dirname, '../..');
const CURRENT_BUILD = resolve(__dirname, '..');

const USAGE = `Usage: npm run bench:ab -w model-service -- --against <build dir> [--scenario b|c] [--turn <s>] [--turns <n>]
               [--warmup <s>] [--connections <n>] [--model <file>]

  --against   a model-service build to compare with, inside model-service/ (e.g. cp -r build build-before)
  --scenario  b = telemetry off, c = full telemetry (default c)
  --turn      seconds of load per build and turn (default 3)
  --turns     number of turns; each loads both builds once (default 10)
  --baseline-env, --current-env NAME=VALUE
              an environment variable for that build's server only (repeatable)`;

interface Turn {
  readonly cpuUsPerRequest: number;
  readonly requestsPerSecond: number;
  readonly p99Ms: number;
}

function quartiles(xs: readonly number[]): [number, number] {
  const sorted = [...xs].sort((x, y) => x - y);
  return [sorted[Math.floor((sorted.length - 1) / 4)], sorted[Math.ceil((3 * (sorted.length - 1)) / 4)]];
}

/** The baseline build: a directory with src/server.js and src/telemetry.js, inside the package so it resolves node_modules. */
function baselineBuild(raw: string | undefined): string {
  if (raw === undefined) throw new UsageError('--against <build dir> is required');
  const dir = resolve(raw);
  for (const file of ['src/server.js', 'src/telemetry.js']) {
    if (!existsSync(join(dir, file))) throw new UsageError(`${dir} is not a model-service build: ${file} is missing (copy one with cp -r build build-before)`);
  }
  const inside = relative(PACKAGE_ROOT, dir);
  if (inside.startsWith('..') || isAbsolute(inside)) {
    throw new UsageError(`${dir} is outside ${PACKAGE_ROOT}: its require() calls would not find node_modules; copy it inside, e.g. cp -r <dir> ${join(PACKAGE_ROOT, 'build-before')}`);
  }
  if (dir === CURRENT_BUILD) throw new UsageError('--against is the current build itself: keep a copy of the old build and pass that');
  return dir;
}

/** NAME=VALUE flags into an environment. */
function envFlags(flag: string, raw: string[] | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of raw ?? []) {
    const at = entry.indexOf('=');
    if (at <= 0) throw new UsageError(`--${flag} takes NAME=VALUE, got "${entry}"`);
    env[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return env;
}

/** Below this many paired turns the ratios' quartiles say little (calibrated with two copies of one build). */
const MIN_TURNS_FOR_VERDICT = 6;

async function main(): Promise<void> {
  const values = parseFlags(process.argv.slice(2), {
    against: { type: 'string' },
    scenario: { type: 'string', default: 'c' },
    turn: { type: 'string' },
    turns: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    model: { type: 'string' },
    'baseline-env': { type: 'string', multiple: true },
    'current-env': { type: 'string', multiple: true },
  });
  const baseline = baselineBuild(values.against);
  const scenarioId = values.scenario;
  if (scenarioId !== 'b' && scenarioId !== 'c') throw new UsageError(`--scenario must be b or c, got ${scenarioId}`);
  const turnSeconds = numberFlag('turn', values.turn, { integer: true, min: 1 }) ?? 3;
  const turns = numberFlag('turns', values.turns, { integer: true, min: 1 }) ?? 10;
  const warmup = numberFlag('warmup', values.warmup, { integer: true, min: 0 }) ?? 3;
  const connections = numberFlag('connections', values.connections, { integer: true, min: 1 }) ?? 16;
  const baselineEnv = envFlags('baseline-env', values['baseline-env']);
  const currentEnv = envFlags('current-env', values['current-env']);
  execFileSync('taskset', ['-p', '-c', LOAD_CPU, String(process.pid)], { stdio: 'ignore' });

  const workload = await prepareWorkload(values.model, log);
  const dir = await mkdtemp(join(tmpdir(), 'ab-bench-'));
  const { docsFile, scriptFile } = await writeWrkInputs(dir, workload.documents);
  const sink = await startOtlpSink();
  const builds = [
    { name: 'baseline', root: baseline, port: 3301, env: baselineEnv },
    { name: 'current', root: CURRENT_BUILD, port: 3302, env: currentEnv },
  ];
  const servers: ChildProcess[] = [];
  const results = new Map<string, Turn[]>(builds.map((b) => [b.name, []]));
  try {
    for (const build of builds) {
      const scenario = serviceScenario(scenarioId, build.root, workload.modelPath, sink.endpoint);
      servers.push(await startServer({ ...scenario, env: { ...scenario.env, ...build.env } }, build.port, join(dir, `server-${build.name}.log`)));
    }
    for (const build of builds) {
      if (warmup > 0) {
        log(`${build.name}: warming up ${warmup} s ...`);
        await runWrk(`http://127.0.0.1:${build.port}/`, scriptFile, docsFile, connections, warmup);
      }
    }
    for (let turn = 0; turn < turns; turn += 1) {
      // A B, then B A: neither build always runs right after the other.
      const order = turn % 2 === 0 ? [0, 1] : [1, 0];
      for (const i of order) {
        const build = builds[i];
        const pid = servers[i].pid!;
        log(`turn ${turn + 1}/${turns}: ${build.name} (${scenarioId}) ${turnSeconds} s ...`);
        const cpuBefore = readCpuSeconds(pid);
        const r = await runWrk(`http://127.0.0.1:${build.port}/`, scriptFile, docsFile, connections, turnSeconds);
        const cpuUsPerRequest = ((readCpuSeconds(pid) - cpuBefore) / r.requests) * 1e6;
        results.get(build.name)!.push({ cpuUsPerRequest, requestsPerSecond: r.requestsPerSecond, p99Ms: r.p99Ms });
      }
    }
  } finally {
    for (const server of servers) await stopServer(server);
    await sink.close();
    await rm(dir, { recursive: true, force: true });
    await workload.cleanup();
  }
  const requests = sink.requestsByContentType();
  const byContentType = Object.entries(sink.trafficByContentType())
    .map(([type, t]) => `${type} ${requests[type]} (${(t.bytes / t.spans).toFixed(0)} bytes per span)`)
    .join(', ');
  printReport(results.get('baseline')!, results.get('current')!, baseline, scenarioId, turnSeconds, { baselineEnv, currentEnv, byContentType });
}

interface ReportExtras {
  readonly baselineEnv: Record<string, string>;
  readonly currentEnv: Record<string, string>;
  /** Export requests the sink decoded, per content type. */
  readonly byContentType: string;
}

function printReport(base: Turn[], current: Turn[], baselineDir: string, scenario: string, turnSeconds: number, extras: ReportExtras): void {
  const envText = (env: Record<string, string>): string => Object.entries(env).map(([k, v]) => ` ${k}=${v}`).join('');
  const ratios = current.map((t, i) => t.cpuUsPerRequest / base[i].cpuUsPerRequest);
  const row = (name: string, turns: Turn[]) => `| ${name} | ${median(turns.map((t) => t.cpuUsPerRequest)).toFixed(1)} | `
    + `${Math.min(...turns.map((t) => t.cpuUsPerRequest)).toFixed(1)} | ${median(turns.map((t) => t.requestsPerSecond)).toFixed(0)} | `
    + `${median(turns.map((t) => t.p99Ms)).toFixed(2)} |`;
  console.log(`\nScenario (${scenario}), ${base.length} alternating turns of ${turnSeconds} s per build, both servers on CPU 0, wrk on CPU ${LOAD_CPU}\n`);
  console.log('| build | server CPU µs/req (median) | min | req/s (median) | p99 ms (median) |');
  console.log('|---|---|---|---|---|');
  console.log(row(`baseline (${relative(process.cwd(), baselineDir) || baselineDir}${envText(extras.baselineEnv)})`, base));
  console.log(row(`current${envText(extras.currentEnv)}`, current));
  if (extras.byContentType !== '') console.log(`\nexport requests received by the sink: ${extras.byContentType}`);
  const [q1, q3] = quartiles(ratios);
  const m = median(ratios);
  console.log(`\ncurrent / baseline, CPU per request, per turn: ${ratios.map((r) => r.toFixed(2)).join(' ')}`);
  const summary = `median ${m.toFixed(3)} (quartiles ${q1.toFixed(2)}-${q3.toFixed(2)})`;
  if (ratios.length < MIN_TURNS_FOR_VERDICT) {
    console.log(`${summary}: fewer than ${MIN_TURNS_FOR_VERDICT} turns, no verdict (two identical builds differ by up to ~10 % over a few turns)`);
  } else if (q1 <= 1 && q3 >= 1) {
    console.log(`${summary}: the quartiles straddle 1, so no difference was measured (run more turns to resolve a smaller one)`);
  } else {
    console.log(`${summary}: the current build uses ${Math.abs((1 - m) * 100).toFixed(1)} % ${m < 1 ? 'less' : 'more'} CPU per request`);
  }
}

if (require.main === module) runCli(main, USAGE);
