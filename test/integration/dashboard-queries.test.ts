// The root type-check reaches the classifier through the test support; its ambient typing of
// ml-logistic-regression lives in the model-service workspace, outside the root tsconfig's include.
/// <reference path="../../model-service/src/model/training/ml-logistic-regression.d.ts" />
/**
 * End to end: the real model service, scraped by a real Prometheus (with exemplar storage, loading our
 * generated rules), gets a short burst of requests; then the dashboard's own queries, with the variables
 * substituted the way Grafana would, must return data, and the exemplar -> trace -> log chain the
 * datasources provision must hold together. Bounded: about 20 s on this machine.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { modelServiceDashboard } from '../../lib/model-service/dashboard';
import { modelServiceRules } from '../../lib/model-service/rules';
import { LOKI_TRACE_ID_REGEX, METRICS, ROUTES, TRACE_ID_LABEL } from 'model-service/contract';
import { TINY_CORPUS } from '../../model-service/test/fixtures/tiny-corpus';
import { tinyModel } from '../../model-service/test/support/model';
import {
  RunningPrometheus,
  queryExemplars,
  queryPrometheus,
  startPrometheus,
} from '../../model-service/test/support/prometheus';
import { RunningModelService, startModelService } from '../../model-service/test/support/service';
import { prometheusQueries, substitute } from '../../verify/dashboard-queries';
import { runDashboardPromql } from '../../verify/stack-checks';
import { OtlpReceiver, startOtlpReceiver } from './support/otlp-receiver';

jest.setTimeout(120_000);

const APP = 'model-service';
const LABELS = { namespace: 'technical-observability-for-ml', pod: 'model-service-6c9d7-x2x4q', app: APP };
const GOOD_REQUESTS = 150;
const BAD_REQUESTS = 15;

interface Panel {
  type: string;
  title: string;
  targets?: { expr?: string; datasource?: { type?: string } }[];
}

/** Panel titles under each row, in dashboard order. */
function panelsByRow(model: Record<string, unknown>): Map<string, Panel[]> {
  const rows = new Map<string, Panel[]>();
  let current: Panel[] = [];
  for (const p of model.panels as Panel[]) {
    if (p.type === 'row') rows.set(p.title, (current = []));
    else current.push(p);
  }
  return rows;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** POST /predict, then POST /feedback with the document's true label: ground truth arriving. */
async function predictWithFeedback(url: string, doc: { text: string; label: string }): Promise<number[]> {
  const res = await fetch(`${url}${ROUTES.predict}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: doc.text });
  const { predictionId } = (await res.json()) as { predictionId: string };
  const feedback = await fetch(`${url}${ROUTES.feedback}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ predictionId, label: doc.label }),
  });
  await feedback.arrayBuffer();
  return [res.status, feedback.status];
}

async function post(url: string, body: string): Promise<number> {
  const res = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body });
  await res.arrayBuffer();
  return res.status;
}

describe('dashboard queries against the running service and a real Prometheus', () => {
  let service: RunningModelService;
  let prometheus: RunningPrometheus;
  let receiver: OtlpReceiver;
  let rulesDir: string;
  let documents: readonly string[];
  const model = modelServiceDashboard({ appName: APP });
  const rows = panelsByRow(model);
  const values = { namespace: LABELS.namespace, pod: '.*', interval: '1m' };

  beforeAll(async () => {
    const trained = await tinyModel();
    documents = trained.documents;
    receiver = await startOtlpReceiver();
    service = await startModelService({
      modelPath: trained.modelPath,
      // A drift window the burst fills, so the drift panels have scores to show.
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: APP, OTEL_BSP_SCHEDULE_DELAY: '200', DRIFT_WINDOW_SIZE: '50', DRIFT_MIN_PREDICTIONS: '50' },
    });
    const rules = modelServiceRules({ appName: APP });
    rulesDir = mkdtempSync(join(tmpdir(), 'rules-'));
    writeFileSync(join(rulesDir, 'alerting_rules.yml'), stringify(rules.alerting));
    writeFileSync(join(rulesDir, 'recording_rules.yml'), stringify(rules.recording));
    prometheus = await startPrometheus({
      targets: [{ target: service.target, labels: LABELS }],
      scrapeIntervalSeconds: 1,
      ruleFiles: [join(rulesDir, 'recording_rules.yml'), join(rulesDir, 'alerting_rules.yml')],
    });
    await prometheus.waitForTargetsUp();

    // Warm-up: create the request series (and one 4xx) and let a scrape see them, so the burst
    // below shows up as an increase and rate() is positive.
    expect(await post(service.url, documents[0])).toBe(200);
    expect(await post(service.url, '')).toBeGreaterThanOrEqual(400);
    const total = `sum(${METRICS.httpRequestsTotal.name}{app="${APP}", route="/predict"})`;
    await until('warm-up scraped', async () => ((await queryPrometheus(prometheus.url, total))[0]?.value === 2 ? true : undefined));

    // Feedback in two halves with a scrape between: the feedback counters appear with the first
    // half, so the second shows up as an increase and the accuracy rates are defined.
    const feedbackTotal = `sum(${METRICS.modelFeedbackLabelledTotal.name}{app="${APP}"})`;
    const half = GOOD_REQUESTS / 2;
    for (let i = 0; i < GOOD_REQUESTS; i++) {
      expect(await predictWithFeedback(service.url, TINY_CORPUS[i % TINY_CORPUS.length])).toEqual([200, 200]);
      if (i === half - 1) await until('first feedback scraped', async () => ((await queryPrometheus(prometheus.url, feedbackTotal))[0]?.value === half ? true : undefined));
    }
    for (let i = 0; i < BAD_REQUESTS; i++) expect(await post(service.url, '')).toBeGreaterThanOrEqual(400);
    const expected = 2 + GOOD_REQUESTS + BAD_REQUESTS;
    await until('feedback scraped', async () => ((await queryPrometheus(prometheus.url, feedbackTotal))[0]?.value === GOOD_REQUESTS ? true : undefined));
    await until('burst scraped', async () =>
      (await queryPrometheus(prometheus.url, total))[0]?.value === expected ? true : undefined,
    );
    // One more scrape so every rate window holds the burst between two samples.
    await new Promise((r) => setTimeout(r, 1_500));
  });

  afterAll(async () => {
    await prometheus?.stop();
    await service?.stop();
    await receiver?.close();
    if (rulesDir) rmSync(rulesDir, { recursive: true, force: true });
  });

  async function run(expr: string) {
    return queryPrometheus(prometheus.url, substitute(expr, values));
  }

  test('every query of the dashboard returns data, except those empty on a healthy service', async () => {
    const result = await runDashboardPromql(prometheus.url, model, values);
    expect(result.empty).toEqual([]);
    // With a full drift window and ground truth for every prediction, the model-quality panels show data too.
    expect(result.awaitingTraffic).toEqual([]);
    expect(result.expectedEmpty).toEqual(['Shed requests per second', 'annotation Firing alerts']);
  });

  test('the numbers mean what the panels say', async () => {
    const q = (title: string, i = 0) => {
      const panel = [...rows.values()].flat().find((p) => p.title === title)!;
      return panel.targets![i].expr!;
    };
    const traffic = await run(q('Requests per second by route and status'));
    const predict200 = traffic.find((s) => s.metric.route === '/predict' && s.metric.status_code === '200');
    expect(predict200?.value).toBeGreaterThan(0);
    // No 5xx in the burst: the error ratio is a real 0, not "No data".
    expect((await run(q('Error ratio (5xx)'))).map((s) => s.value)).toEqual([0]);
    // The burn rate joins a recorded ratio with the recorded objective: 0 when nothing failed.
    expect((await run(q('Error budget burn rate (POST /predict)'))).map((s) => s.value)).toEqual([0]);
    const classes = await run(q('4xx vs 5xx per second'));
    expect(classes.map((s) => s.metric.class)).toEqual(['4']);
    const p99 = (await run(q('Request latency p50 / p95 / p99', 2)))[0].value;
    expect(p99).toBeGreaterThan(0);
    expect(p99).toBeLessThan(10);
    const version = await run(q('Model version'));
    expect(version[0].metric.version).toBeTruthy();
  });

  test('the template variables find the namespace and the pod', async () => {
    for (const v of prometheusQueries(model).filter((x) => x.panel.startsWith('variable'))) {
      const result = await run(v.expr);
      expect(result.map((s) => s.metric[v.refId])).toContain(LABELS[v.refId as 'namespace' | 'pod']);
    }
  });

  test('a latency exemplar leads to a trace Tempo received and to the log line of that request', async () => {
    const exemplars = await queryExemplars(
      prometheus.url,
      `${METRICS.httpRequestDurationSeconds.name}_bucket{app="${APP}"}`,
    );
    const traceIds = exemplars.map((e) => e.labels[TRACE_ID_LABEL]).filter(Boolean);
    expect(traceIds.length).toBeGreaterThan(0);
    const traceId = traceIds[traceIds.length - 1];
    // Tempo side: the span arrived, under the service name the Tempo -> Loki/Prometheus links map to `app`.
    const span = await until('span exported', async () => receiver.spans.find((s) => s.traceId === traceId));
    expect(span.serviceName).toBe(APP);
    // Loki side: the request's log line carries the id where the derived field's regex finds it.
    const line = service.stdoutLines.find((l) => l.includes(traceId) && new RegExp(LOKI_TRACE_ID_REGEX).test(l));
    expect(line).toBeDefined();
    const msg = String((JSON.parse(line!) as { msg: string }).msg);
    expect(new RegExp(LOKI_TRACE_ID_REGEX).exec(msg)?.[1]).toBe(traceId);
  });

  test('the generated rules load into Prometheus and the SLO recording rules produce series', async () => {
    const body = (await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as {
      data: { groups: { rules: { type: string; health: string; name: string }[] }[] };
    };
    const loaded = body.data.groups.flatMap((g) => g.rules);
    const generated = modelServiceRules({ appName: APP }).alerting.groups.flatMap((g) => g.rules);
    expect(loaded.filter((r) => r.type === 'alerting')).toHaveLength(generated.length);
    expect(loaded.filter((r) => r.health === 'err')).toEqual([]);
    const ratio = await until('recording rule evaluated', async () => {
      const r = await queryPrometheus(prometheus.url, `namespace_app:predict_errors:ratio_rate5m{app="${APP}"}`);
      return r.length > 0 ? r : undefined;
    });
    expect(ratio[0].value).toBe(0);
    // Healthy service: nothing fires (pending is fine: `for` has not elapsed for anything anyway).
    expect(await queryPrometheus(prometheus.url, 'ALERTS{alertstate="firing"}')).toEqual([]);
  });
});
