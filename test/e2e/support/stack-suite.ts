/**
 * What both profiles' end-to-end runs share (test/e2e/stacks.test.ts): start the profile's stack
 * on its real backends, follow one traced request through metrics, traces and logs with the
 * dashboard's and the datasources' own queries (verify/stack-checks.ts), then run
 * `npm run check:stack` against the same processes; and the tests that assert on what that found.
 *
 * Quiet on success: the changes made to each rendered config, the check tables and the timings go
 * to a report file per profile (`e2eReportFile`), printed as well when a test of that profile
 * fails or with E2E_VERBOSE=1.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import type { StackProfile } from '../../../lib/profiles';
import { formatTable } from '../../../model-service/src/cli/table';
import type { TrainedModel } from '../../../model-service/test/support/model';
import { REPO_ROOT } from '../../../verify/inputs';
import { CheckRow, StackEndpoints, formatCheckTable, readSynthesized, runStackChecks } from '../../../verify/stack-checks';
import { configDiff } from './config-rewrite';
import { LocalStack, LocalStackOptions, lokiVerifyConfig } from './local-stack';
import { ProcessRegistry } from './processes';

/** Where a profile's end-to-end report goes. */
export function e2eReportFile(profile: StackProfile): string {
  return path.join(process.env.E2E_REPORT_DIR || path.join(tmpdir(), 'tofml-e2e'), `${profile}.txt`);
}

type CliResult = { status: number | null; stdout: string; stderr: string };

/** One profile's run: the stack, what the checks and the CLI found, and the report. */
export interface StackRun<S extends LocalStack> {
  readonly profile: StackProfile;
  readonly workDir: string;
  readonly stack: S;
  readonly rows: readonly CheckRow[];
  /** `npm run check:stack` against the stack, and with Prometheus unreachable, and with a bad flag. */
  readonly cli: { readonly ok: CliResult; readonly down: CliResult; readonly bad: CliResult };
  /** Timed phases, for the report. */
  readonly timings: [string, number][];
  /** Adds lines to the report. */
  report(text: string): void;
}

export interface StackRunOptions<S extends LocalStack> {
  readonly profile: StackProfile;
  /** The profile's synth output, which the checks read. */
  readonly dist: string;
  readonly start: (options: LocalStackOptions) => Promise<S>;
  /** The trained model, shared by both profiles' runs. */
  readonly model: Promise<TrainedModel>;
  readonly registry: ProcessRegistry;
  /** The profile's own work on the running stack, after the shared checks. */
  readonly after?: (run: StackRun<S>) => Promise<void>;
}

/**
 * Starts the profile's stack, runs the checks (in this process, then through the CLI, then the CLI
 * with Prometheus unreachable and with a bad flag) and the profile's own work; the tests only
 * assert on what it found, so both profiles' runs can go on at the same time.
 */
export async function runStackOnRealBackends<S extends LocalStack>(options: StackRunOptions<S>): Promise<StackRun<S>> {
  const lines: string[] = [];
  const report = (text: string) => lines.push(text);
  const timings: [string, number][] = [];
  const t = Date.now();
  const workDir = mkdtempSync(path.join(tmpdir(), `e2e-${options.profile}-`));
  reports.set(options.profile, { lines, timings, workDir });
  const stack = await options.start({ workDir, modelPath: options.model.then((m) => m.modelPath), log: report, registry: options.registry, distDir: options.dist });
  timings.push(['start (render, backends ready)', Date.now() - t]);
  report(formatTable(
    ['backend', 'changed', 'from', 'to', 'why'],
    stack.changes.flatMap((b) => b.changes.map((c) => [b.backend, c.path, short(c.from), short(c.to), c.why])),
  ));
  const t1 = Date.now();
  const documents = (await options.model).documents.slice(0, 40);
  const rows = await runStackChecks(stack.endpoints, readSynthesized(options.dist), { documents, timeoutMs: 60_000, log: report });
  timings.push(['checks', Date.now() - t1]);
  report(formatCheckTable(rows));
  const t2 = Date.now();
  const ok = await checkStack(['--profile', options.profile, ...endpointFlags(stack.endpoints), '--timeout', '60']);
  timings.push(['check:stack CLI', Date.now() - t2]);
  report(ok.stdout);
  const t3 = Date.now();
  const [down, bad] = await Promise.all([
    checkStack(['--profile', options.profile, ...endpointFlags({ ...stack.endpoints, prometheus: 'http://127.0.0.1:1' }), '--timeout', '3']),
    checkStack(['--service', 'not a url']),
  ]);
  timings.push(['check:stack CLI, Prometheus down', Date.now() - t3]);
  const run: StackRun<S> = { profile: options.profile, workDir, stack, rows, cli: { ok, down, bad }, timings, report };
  await options.after?.(run);
  return run;
}

/** What each profile's run wrote, for `writeReports`. */
const reports = new Map<StackProfile, { lines: string[]; timings: [string, number][]; workDir: string }>();

/**
 * Writes each profile's report (changes, check tables, timings) to its file; prints it when the
 * run failed or with E2E_VERBOSE=1. A failed run keeps its work folder (logs and configs) for a
 * look, as does E2E_KEEP_WORKDIR=1; a passing run leaves nothing behind.
 */
export function writeReports(failed: (profile: StackProfile) => boolean, stopMs: number): void {
  for (const [profile, { lines, timings, workDir }] of reports) {
    timings.push(['stop (both profiles)', stopMs]);
    lines.push(formatTable(['phase', 'seconds'], timings.map(([phase, ms]) => [phase, (ms / 1000).toFixed(1)])));
    const keep = failed(profile) || process.env.E2E_KEEP_WORKDIR === '1';
    if (keep) lines.push(`backend logs and configs kept in ${workDir}`);
    else rmSync(workDir, { recursive: true, force: true });
    const file = e2eReportFile(profile);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${lines.join('\n')}\n`);
    if (failed(profile) || process.env.E2E_VERBOSE === '1') process.stderr.write(`${lines.join('\n')}\n(report: ${file})\n`);
  }
  reports.clear();
}

/**
 * Declares the tests both profiles share, on the run `run()` returns; `check` is `test` that also
 * marks the profile failed (so its report is printed).
 */
export function declareStackTests<S extends LocalStack>(
  run: () => StackRun<S>,
  check: (name: string, body: () => unknown) => void,
): void {
  const rowsOf = (signal: string) => {
    const selected = run().rows.filter((r) => r.signal === signal);
    expect(selected.length).toBeGreaterThan(0);
    return selected.filter((r) => !r.ok).map((r) => `${r.check}: ${r.result} [${r.query}]`);
  };

  check('the model service answers the burst and the traced request', () => {
    expect(rowsOf('service')).toEqual([]);
  });

  check('Prometheus has the request series, labelled by the rendered relabelling, the exemplar with the trace id, span metrics and the service-graph edge', () => {
    expect(rowsOf('metrics')).toEqual([]);
    const checks = run().rows.map((r) => r.check);
    expect(checks).toEqual(expect.arrayContaining([expect.stringMatching(/^span metrics/), expect.stringMatching(/^service-graph edge/)]));
  });

  check('Tempo takes the client span and returns the trace by id, with its spans, and through the Traces panel\'s search', () => {
    expect(rowsOf('traces')).toEqual([]);
  });

  check('Loki returns the request\'s line for the Logs panel and for traces to logs; the derived field finds the trace id in it', () => {
    expect(rowsOf('logs')).toEqual([]);
  });

  check('every PromQL query of the dashboard returns data from the real Prometheus', () => {
    expect(rowsOf('dashboard')).toEqual([]);
  });

  check('Loki accepts the rendered config as it is, and refuses an unknown key with its own message', () => {
    const { rendered, binary, env } = run().stack.lokiConfig;
    expect(lokiVerifyConfig(binary, rendered, env).status).toBe(0);
    const config = parse(readFileSync(rendered, 'utf8'));
    config.limits_config.e2e_unknown_key = 1;
    const bad = path.join(run().workDir, 'loki', 'unknown-key.yaml');
    writeFileSync(bad, stringify(config));
    const result = lokiVerifyConfig(binary, bad, env);
    expect(result.status).toBe(1);
    expect(result.output).toMatch(/unknown-key\.yaml: yaml: unmarshal errors:\s+line \d+: field e2e_unknown_key not found in type validation\.plain/);
  });

  check('each rewritten config differs from the rendered one exactly where its change list says', () => {
    for (const backend of run().stack.changes.filter((b) => b.documents)) {
      const listed = backend.changes.map((c) => c.path);
      const unlisted = configDiff(backend.documents!.rendered, backend.documents!.rewritten)
        .filter((p) => !listed.some((l) => p === l || p.startsWith(`${l}.`) || p.startsWith(`${l}[`)));
      expect({ backend: backend.backend, unlisted }).toEqual({ backend: backend.backend, unlisted: [] });
    }
  });

  check('npm run check:stack runs the same checks against the same processes: exit 0 and the table', () => {
    const result = run().cli.ok;
    expect({ status: result.status, stderr: result.status === 0 ? '' : result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(result.stdout).toMatch(/ok\s+traces\s+trace by id/);
    expect(result.stdout).toMatch(/ok\s+metrics\s+service-graph edge/);
    expect(result.stdout).not.toMatch(/FAIL/);
  });

  check('npm run check:stack exits 1 with the failing rows when a backend does not answer, 2 with the usage on bad flags', () => {
    const { down, bad } = run().cli;
    expect(down.status).toBe(1);
    expect(down.stderr).toMatch(/checks failed:\n\s+metrics \/ request series/);
    expect(down.stdout).toMatch(/FAIL\s+metrics/);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--service must be an http\(s\) URL[\s\S]*Usage: npm run check:stack/);
  });
}

function endpointFlags(endpoints: StackEndpoints): string[] {
  const { service, prometheus, loki, tempo, otlp } = endpoints;
  return ['--service', service, '--prometheus', prometheus, '--loki', loki, '--tempo', tempo, ...(otlp ? ['--otlp', otlp] : [])];
}

/**
 * Runs `npm run check:stack` asynchronously: this process relays the service's stdout into the
 * pod log file the log collector tails, so blocking it (spawnSync) would stop the logs for as long.
 */
function checkStack(args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'check:stack', '--', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function short(value: unknown): string {
  if (value === undefined) return '-';
  // One line per change: a replaced block is shown by its start.
  const text = (typeof value === 'string' ? value : JSON.stringify(value)).replace(/\s+/g, ' ');
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}
