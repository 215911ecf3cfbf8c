// The root type-check reaches the classifier through the test support; its ambient typing of
// ml-logistic-regression lives in the model-service workspace, outside the root tsconfig's include.
/// <reference path="../../model-service/src/model/training/ml-logistic-regression.d.ts" />
/**
 * End to end on the real backends of both profiles, at the same time (their start-up is mostly
 * waiting), serving one model trained on the real 20 Newsgroups archive:
 *
 *  - current (the default, support/current-stack.ts): SeaweedFS 4.44 holding Loki 3.7.6's chunks
 *    and Tempo 2.10.8's blocks in the buckets its chart's hook makes, with the keys
 *    create-secrets.sh generates; Alloy (the ../shared build, 1.19.0-rc.3, standing in for the
 *    chart's 1.18.1: the report names the one that ran) tailing the pod log into Loki; Prometheus
 *    3.14.0 scraping the service and receiving Tempo's span metrics and service graph;
 *  - current with Loki's SimpleScalable mode (support/loki-scalable-run.ts): Loki as its write, read
 *    and backend processes, the same checks;
 *  - reference (support/reference-stack.ts): Loki 2.6.1, Tempo 2.0.0, Promtail 2.7.3 and Debian's
 *    Prometheus 2.x, with the filesystem for MinIO (whose images are gone from their registry).
 *
 * Each backend runs the configuration `helm template` renders from dist/<profile>/, changed only as
 * support/loopback-configs.ts and support/current-loopback-configs.ts list (the changes are in each
 * profile's report, support/stack-suite.ts). What stands in for Kubernetes: Secrets from the
 * generated create-secrets.sh (current); static targets with the labels pod discovery would give;
 * the kubelet's CRI log file; each Service by the loopback address of the process behind it.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { StackProfile } from '../../lib/profiles';
import { MODEL_VERSION, ROUTES } from '../../model-service/src/contract';
import { newsgroupsModel } from '../../model-service/test/support/model';
import { CURRENT_DIST, CurrentLocalStack, startCurrentStack } from './support/current-stack';
import { configDiff } from './support/config-rewrite';
import { LokiScalableRun, lokiScalableReportFile, runLokiScalable } from './support/loki-scalable-run';
import { ProcessRegistry } from './support/processes';
import { REFERENCE_DIST, startReferenceStack } from './support/reference-stack';
import type { CheckRow } from '../../verify/stack-checks';
import { StackRun, declareStackTests, e2eReportFile, runStackOnRealBackends, writeReports } from './support/stack-suite';
import type { LocalStack } from './support/local-stack';

jest.setTimeout(300_000);

const registry = new ProcessRegistry();
const runs = new Map<StackProfile, StackRun<LocalStack>>();
const failures = new Set<StackProfile>();
/** The traced request's spans as Tempo holds them (current profile), found through Alloy's gateway, and its log lines' model version in Loki. */
let tracedThroughAlloy: { traceId: string; modelVersion: string; resources: Record<string, string>[]; logModelVersions: string[] } | undefined;
let lokiScalable: LokiScalableRun | undefined;
let lokiScalableFailed = false;
/** Objects in SeaweedFS after Loki and Tempo flushed, by `<bucket>/<folder>`. */
let storedObjects: Record<string, number> = {};

beforeAll(async () => {
  const model = newsgroupsModel();
  // The third run, at the same time: the current profile again, with Loki's SimpleScalable mode.
  const lokiScalableRun = runLokiScalable({ model, registry }).then(
    (value) => ({ status: 'fulfilled', value }) as const,
    (reason: unknown) => ({ status: 'rejected', reason }) as PromiseRejectedResult,
  );
  const settled = await Promise.allSettled([
    runStackOnRealBackends({
      profile: 'current', dist: CURRENT_DIST, start: startCurrentStack, model, registry,
      after: async (run) => {
        const t = Date.now();
        storedObjects = await flushToObjectStore(run.stack);
        run.timings.push(['flush to SeaweedFS', Date.now() - t]);
        run.report(`objects in SeaweedFS after flush: ${JSON.stringify(storedObjects)}`);
        run.report(`what stands in for Alloy's otelcol.processor.k8sattributes (no Kubernetes API here):\n${run.stack.alloy.k8sAttributesStandIn}`);
        tracedThroughAlloy = await tracedRequestInTempo(run);
        run.report(`the traced request's spans in Tempo, through Alloy: ${JSON.stringify(tracedThroughAlloy)}`);
      },
    }),
    runStackOnRealBackends({ profile: 'reference', dist: REFERENCE_DIST, start: startReferenceStack, model, registry }),
  ]);
  for (const result of settled) if (result.status === 'fulfilled') runs.set(result.value.profile, result.value);
  const scalable = await lokiScalableRun;
  if (scalable.status === 'fulfilled') lokiScalable = scalable.value;
  const errors = [...settled, scalable].filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as Error);
  if (errors.length > 0) throw new Error(errors.map((e) => e.stack ?? e.message).join('\n\n'));
});

afterAll(async () => {
  const t = Date.now();
  await registry.stopAll();
  writeReports((profile) => failures.has(profile) || !runs.has(profile), Date.now() - t);
  if (lokiScalable && !lokiScalableFailed && process.env.E2E_KEEP_WORKDIR !== '1') rmSync(lokiScalable.workDir, { recursive: true, force: true });
});

/** `test`, marking the profile failed when it fails, so its report is printed and its logs kept. */
const checkOf = (profile: StackProfile) => (name: string, body: () => unknown) => test(name, async () => {
  try {
    await body();
  } catch (error) {
    failures.add(profile);
    if (error instanceof Error) error.message += `\n(the ${profile} profile's report, with each backend's changes and the check table: ${e2eReportFile(profile)})`;
    throw error;
  }
});

const runOf = <S extends LocalStack>(profile: StackProfile) => (): StackRun<S> => {
  const run = runs.get(profile);
  if (!run) throw new Error(`the ${profile} stack did not start (see beforeAll's error)`);
  return run as StackRun<S>;
};

describe('the current profile on its real backends', () => {
  const run = runOf<CurrentLocalStack>('current');
  const check = checkOf('current');
  declareStackTests(run, check);

  const alloy = (args: string[]) => {
    const result = spawnSync(run().stack.alloy.binary, args, { encoding: 'utf8', timeout: 60_000 });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  };

  check('Alloy accepts the generated config.alloy (fmt, validate at the chart\'s stability level) and refuses a wrong one with its own message', () => {
    const { renderedConfig, stabilityLevel } = run().stack.alloy;
    expect(alloy(['fmt', renderedConfig]).status).toBe(0);
    expect(alloy(['validate', `--stability.level=${stabilityLevel}`, renderedConfig]).status).toBe(0);
    const bad = path.join(run().workDir, 'alloy', 'unknown-attribute.alloy');
    writeFileSync(bad, readFileSync(renderedConfig, 'utf8').replace('stage.cri {}', 'stage.cri {\n    e2e_unknown_attribute = true\n  }'));
    const refused = alloy(['validate', `--stability.level=${stabilityLevel}`, bad]);
    expect(refused.status).not.toBe(0);
    expect(refused.output).toMatch(/unrecognized attribute name "e2e_unknown_attribute"/);
  });

  check('the service\'s spans reach Tempo through Alloy\'s gateway with the pod\'s k8s.* attributes (the stand-in\'s) and the model version', () => {
    const { podAttributes } = run().stack.alloy;
    const traced = tracedThroughAlloy!;
    expect(traced.resources.length).toBeGreaterThan(0);
    for (const resource of traced.resources) {
      expect(resource).toEqual(expect.objectContaining({ ...podAttributes, 'service.name': run().stack.appName, [MODEL_VERSION.resourceAttribute]: traced.modelVersion }));
    }
  });

  check('the traced request\'s log lines carry the same model version, as Loki structured metadata', () => {
    const traced = tracedThroughAlloy!;
    expect(traced.logModelVersions).toEqual([traced.modelVersion]);
  });

  check('Alloy\'s exporter keeps its sending queue in the folder that stands for the node\'s hostPath', () => {
    expect(readdirSync(run().stack.alloy.queueDirectory).length).toBeGreaterThan(0);
  });

  check('the loki-gateway routes the push and query paths to the loki Service, which the Loki process stands for', () => {
    const { routes } = run().stack.gateway;
    const lokiService = `loki.${run().stack.namespace}.svc.cluster.local:3100`;
    expect(run().stack.lokiMode).toBe('Monolithic');
    expect(routes).toEqual({ '/loki/api/v1/push': lokiService, '/loki/api/v1/query_range': lokiService });
  });

  check('Loki\'s chunks and Tempo\'s blocks are stored in SeaweedFS\' buckets, the hook made the buckets, the generated keys signed the writes', () => {
    expect(run().stack.objectStore.buckets).toEqual(['loki-chunks', 'loki-ruler', 'tempo-traces']);
    expect(storedObjects).toEqual({ 'loki-chunks/fake/': expect.any(Number), 'tempo-traces/single-tenant/': expect.any(Number) });
    expect(Object.entries(storedObjects).filter(([, n]) => n === 0)).toEqual([]);
  });
});

describe('the current profile with Loki\'s SimpleScalable mode: write, read and backend processes of the real Loki', () => {
  const run = (): LokiScalableRun => {
    if (!lokiScalable) throw new Error('the SimpleScalable stack did not start (see beforeAll\'s error)');
    return lokiScalable;
  };
  const check = (name: string, body: () => unknown) => test(name, async () => {
    try {
      await body();
    } catch (error) {
      lokiScalableFailed = true;
      if (error instanceof Error) error.message += `\n(the run's report: ${lokiScalableReportFile()}; its logs and configs: ${lokiScalable?.workDir})`;
      throw error;
    }
  });
  const failing = (signal: string) => run().rows.filter((r) => r.signal === signal && !r.ok).map((r) => `${r.check}: ${r.result} [${r.query}]`);

  check('Loki runs as the write, read and backend processes of the rendered SimpleScalable config, the gateway\'s push going to write and its queries to read', () => {
    const { stack } = run();
    expect(stack.lokiMode).toBe('SimpleScalable');
    expect(stack.changes.map((c) => c.backend).filter((b) => b.startsWith('Loki'))).toEqual(['Loki 3.7.6 (write)', 'Loki 3.7.6 (read)', 'Loki 3.7.6 (backend)']);
    const service = (target: string) => `loki-${target}.${stack.namespace}.svc.cluster.local:3100`;
    expect(stack.gateway.routes).toEqual({ '/loki/api/v1/push': service('write'), '/loki/api/v1/query_range': service('read') });
  });

  check('the request\'s log line, pushed by Alloy to the write process, is found through the read process by the Logs panel\'s query and by traces to logs', () => {
    expect(run().rows.filter((r) => r.signal === 'logs').map((r) => r.check)).toEqual(expect.arrayContaining([
      expect.stringMatching(/^request line \(Logs panel/), 'traces to logs ("Logs for this span")',
    ]));
    expect(failing('service')).toEqual([]);
    expect(failing('logs')).toEqual([]);
  });

  check('each Loki process\'s config differs from the rendered one exactly where its change list says', () => {
    for (const backend of run().stack.changes.filter((b) => b.backend.startsWith('Loki'))) {
      const listed = backend.changes.map((c) => c.path);
      const unlisted = configDiff(backend.documents!.rendered, backend.documents!.rewritten)
        .filter((p) => !listed.some((l) => p === l || p.startsWith(`${l}.`) || p.startsWith(`${l}[`)));
      expect({ backend: backend.backend, unlisted }).toEqual({ backend: backend.backend, unlisted: [] });
    }
  });
});

describe('the reference profile on its real backends', () => {
  declareStackTests(runOf('reference'), checkOf('reference'));
});

/**
 * Asks Loki and Tempo to write what they hold in memory to the object store now (/flush), then
 * counts the objects under Loki's chunk folder (tenant `fake`, auth off) and Tempo's block folder.
 * Loki's TSDB index is shipped when its head rotates, minutes later: not waited for.
 */
async function flushToObjectStore(stack: CurrentLocalStack): Promise<Record<string, number>> {
  const { endpoints, objectStore } = stack;
  const flushed = await Promise.all([fetch(`${endpoints.loki}/flush`, { method: 'POST' }), fetch(`${endpoints.tempo}/flush`, { method: 'POST' })]);
  const refused = flushed.filter((r) => !r.ok).map((r) => `${r.url}: ${r.status}`);
  if (refused.length > 0) throw new Error(`flush refused: ${refused.join(', ')}`);
  const folders = ['loki-chunks/fake/', 'tempo-traces/single-tenant/'];
  const deadline = Date.now() + 60_000;
  for (;;) {
    const counts = Object.fromEntries(await Promise.all(folders.map(async (f) => [f, await countFiles(objectStore.filerUrl, `/buckets/${f}`)] as const)));
    if (Object.values(counts).every((n) => n > 0) || Date.now() > deadline) return counts;
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/** Files under a filer folder, recursively, through the filer's JSON listing. */
async function countFiles(filerUrl: string, folder: string): Promise<number> {
  const response = await fetch(`${filerUrl}${folder}?limit=10000`, { headers: { accept: 'application/json' } });
  if (!response.ok) return 0;
  const body = (await response.json()) as { Entries?: { FullPath: string; Mode: number }[] | null };
  let files = 0;
  for (const entry of body.Entries ?? []) {
    // A directory has the mode's directory bit (Go's os.ModeDir, 1 << 31).
    if (entry.Mode & 0x80000000) files += await countFiles(filerUrl, `${entry.FullPath}/`);
    else files++;
  }
  return files;
}

/**
 * The checks' traced request (its trace id is in the `traced request` row), fetched from Tempo: the
 * resource attributes of the service's batches, which went service -> Alloy -> Tempo, and the model
 * version the service reports on /info.
 */
async function tracedRequestInTempo(run: StackRun<CurrentLocalStack>): Promise<typeof tracedThroughAlloy> {
  const row = run.rows.find((r: CheckRow) => r.check === 'traced request');
  const traceId = /traceparent 00-([0-9a-f]{32})-/.exec(row?.query ?? '')?.[1];
  if (!traceId) throw new Error('the checks sent no traced request');
  const { endpoints, appName } = run.stack;
  const modelVersion = ((await (await fetch(`${endpoints.service}${ROUTES.info}`)).json()) as { modelVersion: string }).modelVersion;
  type Attribute = { key: string; value: { stringValue?: string } };
  const body = (await (await fetch(`${endpoints.tempo}/api/traces/${traceId}`, { headers: { accept: 'application/json' } })).json()) as {
    batches?: { resource?: { attributes?: Attribute[] } }[];
  };
  // The request's log line in Loki 3: the model version is structured metadata, as trace_id is.
  const query = `{namespace="${run.stack.namespace}", pod="${run.stack.pod.name}"} |= "${traceId}"`;
  const lines = (await (await fetch(`${endpoints.loki}/loki/api/v1/query_range?${new URLSearchParams({ query, start: String((Date.now() - 600_000) * 1e6), limit: '10' })}`, {
    headers: { 'X-Loki-Response-Encoding-Flags': 'categorize-labels' },
  })).json()) as { data: { result: { values: [string, string, { structuredMetadata?: Record<string, string> }?][] }[] } };
  const logModelVersions = [...new Set(lines.data.result.flatMap((r) => r.values.map((v) => v[2]?.structuredMetadata?.[MODEL_VERSION.logField] ?? 'none')))];
  const resources = (body.batches ?? [])
    .map((b) => Object.fromEntries((b.resource?.attributes ?? []).filter((a) => a.value.stringValue !== undefined).map((a) => [a.key, a.value.stringValue!])))
    .filter((r) => r['service.name'] === appName);
  return { traceId, modelVersion, resources, logModelVersions };
}
