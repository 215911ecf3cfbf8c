/**
 * A real Prometheus (Debian's /usr/bin/prometheus) on loopback, in a temporary
 * directory, scraping given targets every second with exemplar storage on —
 * for integration tests of the service's metrics and of the dashboards' and
 * rules' PromQL against real data.
 *
 * Stable API, also used by the root package's integration tests
 * (test/integration/): startPrometheus, queryPrometheus.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './service';

export const PROMETHEUS_BINARY = process.env.PROMETHEUS_BINARY ?? '/usr/bin/prometheus';

export interface PrometheusTarget {
  /** host:port */
  readonly target: string;
  /** Labels added to every series of the target, like the Kubernetes relabelling does (namespace, pod, app). */
  readonly labels?: Readonly<Record<string, string>>;
  /** @default '/metrics' */
  readonly metricsPath?: string;
}

export interface StartPrometheusOptions {
  readonly targets: readonly PrometheusTarget[];
  /** @default 1 */
  readonly scrapeIntervalSeconds?: number;
  /** Scrape job name. @default 'model-service' */
  readonly jobName?: string;
  /** Extra rule files (paths) to load. */
  readonly ruleFiles?: readonly string[];
}

export interface RunningPrometheus {
  /** e.g. http://127.0.0.1:41235 */
  readonly url: string;
  /** Resolves once every target has been scraped successfully at least once. */
  waitForTargetsUp(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Labels the in-cluster scrape job gives the model service's series (see lib/prometheus). */
export const DEFAULT_TARGET_LABELS = { namespace: 'test', pod: 'model-service-0', app: 'model-service' } as const;

export function prometheusAvailable(): boolean {
  return existsSync(PROMETHEUS_BINARY);
}

export async function startPrometheus(options: StartPrometheusOptions): Promise<RunningPrometheus> {
  if (!prometheusAvailable()) {
    throw new Error(`${PROMETHEUS_BINARY} not found: install Debian's prometheus package (apt-get install prometheus)`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'prometheus-test-'));
  const interval = `${options.scrapeIntervalSeconds ?? 1}s`;
  const config = {
    global: { scrape_interval: interval, evaluation_interval: interval },
    rule_files: options.ruleFiles ?? [],
    scrape_configs: [{
      job_name: options.jobName ?? 'model-service',
      scrape_interval: interval,
      static_configs: options.targets.map((t) => ({ targets: [t.target], labels: { ...DEFAULT_TARGET_LABELS, ...t.labels } })),
      metrics_path: options.targets[0]?.metricsPath ?? '/metrics',
    }],
  };
  // JSON is valid YAML, so no YAML library is needed here.
  await writeFile(join(dir, 'prometheus.yml'), JSON.stringify(config, null, 2));
  const port = await freePort();
  const child: ChildProcess = spawn(PROMETHEUS_BINARY, [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--enable-feature=exemplar-storage',
    '--storage.tsdb.retention.time=1h',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${stderr}`);
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready within 30 s:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    url,
    async waitForTargetsUp(timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const body = (await (await fetch(`${url}/api/v1/targets`)).json()) as {
          data: { activeTargets: { health: string; lastError: string; scrapeUrl: string }[] };
        };
        const targets = body.data.activeTargets;
        if (targets.length === options.targets.length && targets.every((t) => t.health === 'up')) return;
        if (Date.now() > until) {
          throw new Error(`prometheus targets not up: ${JSON.stringify(targets.map((t) => [t.scrapeUrl, t.health, t.lastError]))}`);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    stop,
  };
}

export interface PrometheusSample {
  readonly metric: Record<string, string>;
  readonly value: number;
}

/** Runs an instant PromQL query; returns the vector (a scalar comes back as one sample with no labels). */
export async function queryPrometheus(url: string, promql: string, time?: Date): Promise<PrometheusSample[]> {
  const params = new URLSearchParams({ query: promql });
  if (time !== undefined) params.set('time', String(time.getTime() / 1000));
  const response = await fetch(`${url}/api/v1/query?${params}`);
  const body = (await response.json()) as {
    status: string; error?: string;
    data?: { resultType: string; result: unknown };
  };
  if (body.status !== 'success' || body.data === undefined) {
    throw new Error(`PromQL query failed (${response.status}): ${body.error ?? 'unknown error'}\n  ${promql}`);
  }
  if (body.data.resultType === 'scalar') {
    const [, value] = body.data.result as [number, string];
    return [{ metric: {}, value: Number(value) }];
  }
  if (body.data.resultType !== 'vector') throw new Error(`expected an instant vector from ${promql}, got ${body.data.resultType}`);
  return (body.data.result as { metric: Record<string, string>; value: [number, string] }[])
    .map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

/** Exemplars Prometheus stored for a series selector over the last `seconds`. */
export async function queryExemplars(url: string, selector: string, seconds = 300): Promise<{ labels: Record<string, string>; value: string }[]> {
  const end = Date.now() / 1000;
  const params = new URLSearchParams({ query: selector, start: String(end - seconds), end: String(end) });
  const body = (await (await fetch(`${url}/api/v1/query_exemplars?${params}`)).json()) as {
    status: string; error?: string; data: { exemplars: { labels: Record<string, string>; value: string }[] }[];
  };
  if (body.status !== 'success') throw new Error(`exemplar query failed: ${body.error}`);
  return body.data.flatMap((series) => series.exemplars);
}
