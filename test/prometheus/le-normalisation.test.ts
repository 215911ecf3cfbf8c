/**
 * Prometheus 3 stores the `le` of a classic histogram as a float: a bucket scraped as `le="1"`
 * (how prom-client writes it) is stored as `le="1.0"`, while Prometheus 2 keeps it as scraped. A
 * query selecting a whole-number bucket therefore matches under one of them only. Shown here on the
 * real Prometheus 3.14.0 (verify/backend-binaries.ts), then checked on every query we ship.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { modelServiceDashboard } from '../../lib/model-service/dashboard';
import { modelServiceRules } from '../../lib/model-service/rules';
import { resolveCurrentBackend } from '../../verify/backend-binaries';
import { prometheusQueries } from '../../verify/dashboard-queries';

jest.setTimeout(60_000);

const EXPOSITION = ['# HELP h_seconds x', '# TYPE h_seconds histogram', 'h_seconds_bucket{le="0.5"} 1', 'h_seconds_bucket{le="1"} 2', 'h_seconds_bucket{le="+Inf"} 3', 'h_seconds_sum 1', 'h_seconds_count 3', ''].join('\n');

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });

describe('Prometheus 3.14.0 and histogram `le` labels', () => {
  let dir: string;
  let target: Server;
  let prometheus: ChildProcess;
  let url: string;
  beforeAll(async () => {
    const binary = (await resolveCurrentBackend('prometheus')).path;
    dir = mkdtempSync(join(tmpdir(), 'prometheus3-le-'));
    target = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(EXPOSITION));
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const config = { global: { scrape_interval: '1s' }, scrape_configs: [{ job_name: 't', static_configs: [{ targets: [`127.0.0.1:${(target.address() as AddressInfo).port}`] }] }] };
    writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    prometheus = spawn(binary, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  });
  afterAll(async () => {
    prometheus?.kill('SIGKILL');
    await new Promise<void>((resolve) => (target ? target.close(() => resolve()) : resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  test('a bucket scraped as le="1" is stored as le="1.0"; le="0.5" and le="+Inf" as scraped', async () => {
    const deadline = Date.now() + 30_000;
    let stored: string[] = [];
    while (stored.length < 3 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      const answer = await fetch(`${url}/api/v1/query?query=${encodeURIComponent('h_seconds_bucket')}`).then((r) => r.json() as Promise<{ data?: { result: { metric: { le: string } }[] } }>, () => undefined);
      stored = (answer?.data?.result ?? []).map((r) => r.metric.le).sort();
    }
    expect(stored).toEqual(['+Inf', '0.5', '1.0']);
  });
});

test('every le="…" selector we ship names a bucket both Prometheus versions store alike (not a whole number)', () => {
  const rules = modelServiceRules({ appName: 'model-service' });
  const exprs = [
    ...prometheusQueries(modelServiceDashboard({ appName: 'model-service' })).map((q) => q.expr),
    ...[rules.recording, rules.alerting].flatMap((file) => file.groups.flatMap((g) => g.rules.map((r) => r.expr))),
  ];
  const selected = exprs.flatMap((expr) => [...expr.matchAll(/\ble\s*=~?\s*"([^"]*)"/g)].map((m) => m[1]));
  // The confidence panel's share below 0.5 is the only one today.
  expect(selected).toEqual(['0.5']);
  for (const le of selected) expect(Number.isInteger(Number(le))).toBe(false);
});
