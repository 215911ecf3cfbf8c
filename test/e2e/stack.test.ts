// The root type-check reaches the classifier through the test support; its ambient typing of
// ml-logistic-regression lives in the model-service workspace, outside the root tsconfig's include.
/// <reference path="../../model-service/src/model/training/ml-logistic-regression.d.ts" />
/**
 * End to end on the real backends: Loki 2.6.1, Tempo 2.0.0 and Promtail 2.7.3 (the versions the
 * pinned charts deploy), Debian's Prometheus, and the real model service serving a model trained
 * on the real 20 Newsgroups archive, each started with the configuration `helm template` renders
 * from dist/ (changes listed by support/loopback-configs.ts and printed below). One traced
 * request is followed through metrics, traces and logs with the dashboard's and the datasources'
 * own queries (verify/stack-checks.ts), then `npm run check:stack` runs the same checks against
 * the same processes.
 *
 * What stands in for Kubernetes (support/local-stack.ts): static targets with the labels pod
 * discovery would give, instead of the API; the service's stdout written to a CRI log file under
 * a pods folder, instead of the kubelet; the filesystem, instead of MinIO.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { formatTable } from '../../model-service/src/cli/table';
import { newsgroupsModel } from '../../model-service/test/support/model';
import { CheckRow, formatCheckTable, readSynthesized, runStackChecks } from '../../verify/stack-checks';
import { REPO_ROOT } from '../../verify/inputs';
import { configDiff } from './support/config-rewrite';
import { DIST, LocalStack, lokiVerifyConfig, startLocalStack } from './support/local-stack';
import { ProcessRegistry } from './support/processes';

jest.setTimeout(240_000);

const print = (text: string) => process.stdout.write(`${text}\n`);

describe('the synthesized stack on the real backends', () => {
  let workDir: string;
  let stack: LocalStack;
  // Created here, so afterAll stops what was started even if beforeAll times out half-way.
  const registry = new ProcessRegistry();
  let rows: CheckRow[] | undefined;
  const timings: [string, number][] = [];

  beforeAll(async () => {
    const t = Date.now();
    workDir = mkdtempSync(path.join(tmpdir(), 'e2e-stack-'));
    // Training (a few seconds, in this process) overlaps the backends' start-up.
    const model = newsgroupsModel();
    stack = await startLocalStack({ workDir, modelPath: model.then((m) => m.modelPath), log: print, registry });
    timings.push(['start (render, train, backends ready)', Date.now() - t]);
    print(formatTable(
      ['backend', 'changed', 'from', 'to', 'why'],
      stack.changes.flatMap((b) => b.changes.map((c) => [b.backend, c.path, short(c.from), short(c.to), c.why])),
    ));
    const t1 = Date.now();
    const documents = (await model).documents.slice(0, 40);
    rows = await runStackChecks(stack.endpoints, readSynthesized(DIST), { documents, timeoutMs: 60_000, log: print });
    timings.push(['checks', Date.now() - t1]);
    print(formatCheckTable(rows));
  });

  afterAll(async () => {
    const t = Date.now();
    await registry.stopAll();
    timings.push(['stop', Date.now() - t]);
    print(formatTable(['phase', 'seconds'], timings.map(([phase, ms]) => [phase, (ms / 1000).toFixed(1)])));
    // Keep the logs of a failed run (or with E2E_KEEP_WORKDIR=1) for a look; a passing run leaves nothing behind.
    if (rows === undefined || rows.some((r) => !r.ok) || process.env.E2E_KEEP_WORKDIR === '1') print(`backend logs and configs kept in ${workDir}`);
    else if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  const rowsOf = (signal: string) => {
    const selected = (rows ?? []).filter((r) => r.signal === signal);
    expect(selected.length).toBeGreaterThan(0);
    return selected.filter((r) => !r.ok).map((r) => `${r.check}: ${r.result} [${r.query}]`);
  };

  test('the model service answers the burst and the traced request', () => {
    expect(rowsOf('service')).toEqual([]);
  });

  test('Prometheus has the request series, labelled by the rendered relabelling, and the exemplar with the trace id', () => {
    expect(rowsOf('metrics')).toEqual([]);
  });

  test('Tempo returns the trace by id, with its spans, and through the Traces panel\'s search', () => {
    expect(rowsOf('traces')).toEqual([]);
  });

  test('Loki returns the request\'s line for the Logs panel and for traces to logs; the derived field finds the trace id in it', () => {
    expect(rowsOf('logs')).toEqual([]);
  });

  test('every PromQL query of the dashboard returns data from the real Prometheus', () => {
    expect(rowsOf('dashboard')).toEqual([]);
  });

  test('Loki accepts the rendered config as it is, and refuses an unknown key with its own message', () => {
    const { rendered, binary } = stack.lokiConfig;
    expect(lokiVerifyConfig(binary, rendered).status).toBe(0);
    const config = parse(readFileSync(rendered, 'utf8'));
    config.limits_config.e2e_unknown_key = 1;
    const bad = path.join(workDir, 'loki', 'unknown-key.yaml');
    writeFileSync(bad, stringify(config));
    const result = lokiVerifyConfig(binary, bad);
    expect(result.status).toBe(1);
    expect(result.output).toMatch(/failed parsing config: .*unknown-key\.yaml: yaml: unmarshal errors:\s+line \d+: field e2e_unknown_key not found in type validation\.plain/);
  });

  test('each rewritten config differs from the rendered one exactly where its change list says', () => {
    for (const backend of stack.changes.filter((b) => b.documents)) {
      const listed = backend.changes.map((c) => c.path);
      const unlisted = configDiff(backend.documents!.rendered, backend.documents!.rewritten)
        .filter((p) => !listed.some((l) => p === l || p.startsWith(`${l}.`) || p.startsWith(`${l}[`)));
      expect({ backend: backend.backend, unlisted }).toEqual({ backend: backend.backend, unlisted: [] });
    }
  });

  test('npm run check:stack runs the same checks against the same processes: exit 0 and the table', async () => {
    const t = Date.now();
    const { service, prometheus, loki, tempo } = stack.endpoints;
    const result = await checkStack(['--profile', 'reference', '--service', service, '--prometheus', prometheus, '--loki', loki, '--tempo', tempo, '--timeout', '60']);
    timings.push(['check:stack CLI', Date.now() - t]);
    print(result.stdout);
    expect({ status: result.status, stderr: result.status === 0 ? '' : result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(result.stdout).toMatch(/ok\s+traces\s+trace by id/);
    expect(result.stdout).not.toMatch(/FAIL/);
  });

  test('npm run check:stack exits 1 with the failing rows when a backend does not answer, 2 with the usage on bad flags', async () => {
    const { service, loki, tempo } = stack.endpoints;
    const down = await checkStack(['--profile', 'reference', '--service', service, '--prometheus', 'http://127.0.0.1:1', '--loki', loki, '--tempo', tempo, '--timeout', '3']);
    expect(down.status).toBe(1);
    expect(down.stderr).toMatch(/checks failed:\n\s+metrics \/ request series/);
    expect(down.stdout).toMatch(/FAIL\s+metrics/);
    const bad = await checkStack(['--service', 'not a url']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--service must be an http\(s\) URL[\s\S]*Usage: npm run check:stack/);
  });
});

/**
 * Runs `npm run check:stack` asynchronously: this process relays the service's stdout into the
 * pod log file Promtail tails, so blocking it (spawnSync) would stop the logs for as long.
 */
function checkStack(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
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
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}
