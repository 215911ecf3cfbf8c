import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { UsageError } from '../../model-service/src/cli/flags';
import { parseCapacityArgs, parseRetentionDays } from '../../lib/capacity/capacity-args';
import { CapacityFigures, capacityPlan, SIMPLE_SCALABLE_MAX_WRITE_REPLICAS } from '../../lib/capacity/capacity-model';
import { CURRENT_FIGURES } from '../../lib/capacity/measurements';

const source = { command: 'test', machine: 'test', date: '2026-01-01' };
/** Round figures, so every expected value below can be worked out by hand. */
const FIGURES: CapacityFigures = {
  modelServicePod: { requestsPerSecond: 1000, p99Ms: 8, p99LimitMs: 10, cpuMicrosecondsPerRequest: 1000, source },
  loki: { bytesPerRequest: 100, itemsPerRequest: 1, sustainedItemsPerSecond: 10_000, source },
  lokiLimits: { tenantBytesPerSecond: 4 * 1024 * 1024, streamBytesPerSecond: 3_000_000, ingestedBytesPerLine: 400, source },
  tempo: { bytesPerRequest: 500, itemsPerRequest: 5, sustainedItemsPerSecond: 20_000, source },
  series: { seriesPerPod: 100, seriesPerClassPerPod: 10, seriesPerClassPairPerPod: 1, scrapeIntervalSeconds: 2, source },
};

describe('capacityPlan arithmetic on known figures', () => {
  test('GIVEN 100 req/s for 7 days THEN two pods (the minimum), Monolithic Loki, the tempo chart, storage = rate x bytes x 86,400 x days', () => {
    const plan = capacityPlan({ requestsPerSecond: 100, retentionDays: 7, classes: 4 }, FIGURES);
    expect(plan.modelService).toEqual({ pods: 2, requestsPerPodAtTarget: 700 });
    expect(plan.loki).toEqual({
      mode: 'Monolithic', linesPerSecond: 100, singleProcessLoad: 100 / 7000, writeReplicas: 1,
      bytesPerDay: 100 * 100 * 86_400, bytesForRetention: 100 * 100 * 86_400 * 7,
      // 100 lines/s x 400 B, within both limits: no ingestionRateMbNeeded.
      ingestBytesPerSecond: 40_000, streamBytesPerSecondPerPod: 20_000, streamLimitExceeded: false,
    });
    expect(plan.tempo).toEqual({
      chart: 'tempo', spansPerSecond: 500, singleProcessLoad: 500 / 14_000, ingesters: 1,
      bytesPerDay: 100 * 500 * 86_400, bytesForRetention: 100 * 500 * 86_400 * 7,
    });
    // 2 pods x (100 + 10 x 4 classes + 1 x 4² class pairs) series, scraped every 2 s.
    expect(plan.prometheus).toEqual({ series: 312, samplesPerSecond: 156 });
  });

  test('pods = ceil(rate / 70 % of one pod\'s measured rate)', () => {
    expect(capacityPlan({ requestsPerSecond: 1400, retentionDays: 1, classes: 2 }, FIGURES).modelService.pods).toBe(2);
    expect(capacityPlan({ requestsPerSecond: 1401, retentionDays: 1, classes: 2 }, FIGURES).modelService.pods).toBe(3);
    expect(capacityPlan({ requestsPerSecond: 10_000, retentionDays: 1, classes: 2 }, FIGURES).modelService.pods).toBe(15);
  });

  test('Loki moves from Monolithic to SimpleScalable when one process no longer keeps up at 70 %, then to Distributed past the write-replica limit', () => {
    const at = (rps: number) => capacityPlan({ requestsPerSecond: rps, retentionDays: 1, classes: 2 }, FIGURES).loki;
    expect(at(7000)).toMatchObject({ mode: 'Monolithic', writeReplicas: 1 });
    // 7,001 lines/s x 3 copies / 7,000 per process = 4 write replicas.
    expect(at(7001)).toMatchObject({ mode: 'SimpleScalable', writeReplicas: 4 });
    const limit = (SIMPLE_SCALABLE_MAX_WRITE_REPLICAS * 7000) / 3;
    expect(at(limit)).toMatchObject({ mode: 'SimpleScalable', writeReplicas: SIMPLE_SCALABLE_MAX_WRITE_REPLICAS });
    expect(at(limit + 1)).toMatchObject({ mode: 'Distributed' });
  });

  test('Loki\'s tenant limit: the ingestion_rate_mb to set once the lines\' bytes pass 70 % of the 4 MiB/s default; a pod\'s stream against the per-stream limit', () => {
    const at = (rps: number) => capacityPlan({ requestsPerSecond: rps, retentionDays: 1, classes: 2 }, FIGURES).loki;
    // 7,340 lines/s x 400 B = 2,936,000 B/s ÷ 0.7 = 4,194,286 B/s: just under 4 MiB/s.
    expect(at(7340).ingestionRateMbNeeded).toBeUndefined();
    // 10,000 lines/s x 400 B ÷ 0.7 = 5.45 MiB/s: set 6.
    expect(at(10_000).ingestionRateMbNeeded).toBe(6);
    // At 1,400 req/s, 2 pods at 700 req/s each: 280,000 B/s per stream, under 3 MB/s.
    expect(at(1400)).toMatchObject({ streamBytesPerSecondPerPod: 280_000, streamLimitExceeded: false });
    const heavyLines = { ...FIGURES, lokiLimits: { ...FIGURES.lokiLimits, ingestedBytesPerLine: 5000 } };
    expect(capacityPlan({ requestsPerSecond: 1400, retentionDays: 1, classes: 2 }, heavyLines).loki.streamLimitExceeded).toBe(true);
  });

  test('Tempo moves to tempo-distributed when its spans pass 70 % of one process', () => {
    const at = (rps: number) => capacityPlan({ requestsPerSecond: rps, retentionDays: 1, classes: 2 }, FIGURES).tempo;
    expect(at(2800)).toMatchObject({ chart: 'tempo', ingesters: 1 });
    expect(at(2801)).toMatchObject({ chart: 'tempo-distributed', ingesters: 2 });
  });

  test('the recorded figures are measurements: every one set, with its command, machine and date', () => {
    for (const figure of Object.values(CURRENT_FIGURES)) {
      expect(figure.source.command).toMatch(/^flock \/tmp\/bench\.lock npm run bench:/);
      expect(figure.source.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(figure.source.machine).not.toBe('');
    }
    expect(CURRENT_FIGURES.modelServicePod.requestsPerSecond).toBeGreaterThan(0);
    expect(CURRENT_FIGURES.loki.sustainedItemsPerSecond).toBeGreaterThan(0);
    expect(CURRENT_FIGURES.loki.bytesPerRequest).toBeGreaterThan(0);
    expect(CURRENT_FIGURES.tempo.sustainedItemsPerSecond).toBeGreaterThan(0);
    expect(CURRENT_FIGURES.tempo.bytesPerRequest).toBeGreaterThan(0);
    expect(CURRENT_FIGURES.series.seriesPerPod).toBeGreaterThan(0);
    expect(CURRENT_FIGURES.lokiLimits.ingestedBytesPerLine).toBeGreaterThan(0);
  });
});

describe('npm run capacity\'s command line', () => {
  test('takes the rate, a retention in days or hours, and the classes', () => {
    expect(parseCapacityArgs(['--rps', '1000', '--retention', '30'])).toEqual({ help: false, requestsPerSecond: 1000, retentionDays: 30, classes: 4 });
    expect(parseCapacityArgs(['--rps', '2.5', '--retention', '168h', '--classes', '20'])).toEqual({ help: false, requestsPerSecond: 2.5, retentionDays: 7, classes: 20 });
    expect(parseRetentionDays('14d')).toBe(14);
  });

  test.each([
    [[], '--rps is required: the peak requests per second to size for, e.g. --rps 1000'],
    [['--rps', '0'], '--rps must be greater than 0, got 0'],
    [['--rps=-5'], '--rps must be greater than 0, got -5'],
    [['--rps', 'lots'], '--rps must be a number, got "lots"'],
    [['--rps', '10', '--retention', 'forever'], '--retention must be a number of days or a duration such as 7d or 168h, got "forever"'],
    [['--rps', '10', '--retention', '0d'], '--retention must be longer than 0, got "0d"'],
    [['--rps', '10', '--classes', '1'], '--classes must be at least 2, got 1'],
    [['--rps', '10', '--replicas', '3'], "Unknown option '--replicas'"],
  ])('refuses %j with a one-line message naming the flag', (argv, message) => {
    expect(() => parseCapacityArgs(argv)).toThrow(UsageError);
    expect(() => parseCapacityArgs(argv)).toThrow(message);
  });

  test('the command prints the sizes and the figures it used, and exits 2 with the usage on nonsense', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [require.resolve('ts-node/dist/bin'), '--project', 'tsconfig.json', '--transpile-only', 'scripts/capacity.ts', ...args], {
      cwd: path.resolve(__dirname, '..', '..'), encoding: 'utf8', timeout: 60_000,
    });
    const ok = run('--rps', '1000', '--retention', '7d');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^1,000 requests\/s, 4 classes, retention 7 d/);
    expect(ok.stdout).toMatch(/model service\s+\d+ pods at peak/);
    expect(ok.stdout).toMatch(/Loki\s+Monolithic, 1 replica/);
    expect(ok.stdout).toMatch(/Figures used:[\s\S]*flock \/tmp\/bench\.lock npm run bench:http[\s\S]*flock \/tmp\/bench\.lock npm run bench:capacity/);
    const bad = run('--rps', 'many');
    expect(bad.status).toBe(2);
    expect(bad.stderr.split('\n')[0]).toBe('error: --rps must be a number, got "many"');
    expect(bad.stderr).toMatch(/Usage: npm run capacity/);
  });
});
