import { modelServiceDashboard } from '../../../lib/model-service/dashboard';
import { modelServiceRules } from '../../../lib/model-service/rules';
import { DEFAULT_DRIFT_PSI_THRESHOLDS, DRIFT_SIGNAL_NAMES, METRICS } from 'model-service/contract';
import { PROFILES } from '../../../lib/profiles';
import { Promtool, promtool, resolvePromtool, withYamlFiles } from '../../prometheus/promtool';
import { prometheusQueries, substitute, assertNoVariables } from '../../../verify/dashboard-queries';
import { dashboardSchemaErrors } from './dashboards-schema';

interface Panel {
  type: string;
  id: number;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: { expr?: string; exemplar?: boolean; datasource?: { uid: string } }[];
}

const model = modelServiceDashboard({ appName: 'model-service' });
const panels = model.panels as Panel[];
const byTitle = (title: string) => panels.find((p) => p.title === title)!;

/** Parses every expression with promtool by turning each into a recording rule. */
function checkPromql(tool: Promtool, exprs: { name: string; expr: string }[]) {
  const rules = {
    groups: [{ name: 'dashboard-queries', rules: exprs.map((e, i) => ({ record: `dashboard:query_${i}`, expr: e.expr })) }],
  };
  return withYamlFiles({ 'queries.yml': rules }, (dir) => promtool(tool, ['check', 'rules', 'queries.yml'], dir));
}

const GRAFANA_VALUES = { namespace: 'technical-observability-for-ml', pod: '.*', interval: '8s' };

describe('model-service dashboard', () => {
  test('snapshot', () => {
    expect(model).toMatchSnapshot();
  });

  test('is deterministic and has a fixed uid', () => {
    expect(modelServiceDashboard({ appName: 'model-service' })).toEqual(model);
    expect(model.uid).toBe('model-service-overview');
  });

  test('rows follow the golden signals, then model, its quality and the split by model version, logs and traces', () => {
    expect(panels.filter((p) => p.type === 'row').map((p) => p.title)).toEqual([
      'Traffic', 'Errors', 'Latency', 'Saturation', 'Model', 'Model quality', 'By model version', 'Logs', 'Traces',
    ]);
  });

  test('the model-version row labels latency, errors and drift with the version of each pod\'s model_info', () => {
    const row = panels.findIndex((p) => p.title === 'By model version');
    const exprs = panels.slice(row + 1, row + 4).map((p) => (p.targets![0] as { expr: string }).expr);
    expect(exprs).toHaveLength(3);
    for (const expr of exprs) {
      expect(expr).toContain('* on (namespace, pod) group_left (version) model_info{app="model-service", namespace="$namespace", pod=~"$pod"}');
      expect(expr).toMatch(/by \((le, )?version\)/);
    }
  });

  test('namespace and pod template variables select the service', () => {
    const list = (model.templating as { list: { name: string; query: string; multi: boolean }[] }).list;
    expect(list.map((v) => v.name)).toEqual(['namespace', 'pod']);
    expect(list[1].query).toBe('label_values(up{app="model-service", namespace="$namespace"}, pod)');
    expect(list[1].multi).toBe(true);
  });

  test('every Prometheus query selects the app, the namespace and the pods', () => {
    for (const q of prometheusQueries(model).filter((x) => !/^(variable|annotation) /.test(x.panel))) {
      const selectors = [...q.expr.matchAll(/([a-zA-Z_:][\w:]*)\{([^}]*)\}/g)];
      expect(selectors.length).toBeGreaterThan(0);
      for (const [, metric, matchers] of selectors) {
        if (!metric.includes(':')) {
          expect(matchers).toMatch(/^app="model-service", namespace="\$namespace", pod=~"\$pod"/);
        } else {
          // Recorded SLO series are aggregated per namespace and app (no pod); the objective per app.
          expect(matchers).toBe(metric.startsWith('namespace_app:') ? 'app="model-service", namespace="$namespace"' : 'app="model-service"');
        }
      }
    }
  });

  test('the model-quality row draws every drift signal against its alert threshold, and reads recorded accuracy', () => {
    const drift = byTitle('Drift per signal (PSI ÷ alert threshold)');
    expect(drift.targets!.map((t) => t.expr)).toEqual(
      DRIFT_SIGNAL_NAMES.map((s) => expect.stringMatching(new RegExp(`signal="${s}", statistic="psi"\\}\\) / ${DEFAULT_DRIFT_PSI_THRESHOLDS[s]}$`))),
    );
    const custom = modelServiceDashboard({ appName: 'model-service', driftThresholds: { class_mix: 0.3 } }) as unknown as { panels: { title: string; targets?: { expr: string }[] }[] };
    const customDrift = custom.panels.find((p) => p.title === 'Drift per signal (PSI ÷ alert threshold)')!;
    expect(customDrift.targets![0].expr).toMatch(/signal="class_mix", statistic="psi"\}\) \/ 0\.3$/);
    const recorded = modelServiceRules({ appName: 'model-service' }).recording.groups.flatMap((g) => g.rules.map((r) => r.record));
    for (const title of ['Accuracy of labelled predictions', 'Feedback coverage and losses']) {
      for (const t of byTitle(title).targets!) {
        for (const [, metric] of t.expr!.matchAll(/([a-zA-Z_:][\w:]*)\{/g)) {
          if (metric.includes(':')) expect(recorded).toContain(metric);
        }
      }
    }
  });

  test('the burn-rate panel reads the recording rules the rules module generates', () => {
    const recorded = modelServiceRules({ appName: 'model-service' }).recording.groups.flatMap((g) => g.rules.map((r) => r.record));
    const exprs = byTitle('Error budget burn rate (POST /predict)').targets!.map((t) => t.expr!);
    expect(exprs).toHaveLength(4);
    for (const e of exprs) {
      for (const [, metric] of e.matchAll(/([a-zA-Z_:][\w:]*)\{/g)) expect(recorded).toContain(metric);
    }
  });

  test('latency panels ask for exemplars (the trace_id link to Tempo)', () => {
    const targets = byTitle('Request latency p50 / p95 / p99').targets!;
    expect(targets).toHaveLength(3);
    for (const t of targets) {
      expect(t.exemplar).toBe(true);
      expect(t.expr).toContain(`${METRICS.httpRequestDurationSeconds.name}_bucket`);
    }
  });

  test('logs come from Loki and traces from Tempo, on the fixed UIDs', () => {
    expect(byTitle('Service logs').datasource).toEqual({ type: 'loki', uid: 'loki' });
    expect(byTitle('Service logs').targets![0].expr).toBe('{app="model-service", namespace="$namespace", pod=~"$pod"}');
    expect(byTitle('Recent traces').datasource).toEqual({ type: 'tempo', uid: 'tempo' });
    // Predictions only: the scrape and probe traces would fill the panel (found on a real Tempo, test/e2e).
    // Grafana 10+ runs a TraceQL query from a panel; it no longer runs the old nativeSearch there.
    expect(byTitle('Recent traces').targets![0]).toMatchObject({
      queryType: 'traceql', query: '{ resource.service.name = "model-service" && name = "POST /predict" }', tableType: 'traces', limit: 20,
    });
  });

  test('the Traces row shows the span export buffer of each pod and what it dropped, from the catalogue\'s names', () => {
    expect(byTitle('Spans waiting for export').targets![0].expr)
      .toBe(`max by (pod) (${METRICS.traceExportBufferedSpans.name}{app="model-service", namespace="$namespace", pod=~"$pod"})`);
    expect(byTitle('Spans dropped before export per second').targets![0].expr)
      .toMatch(new RegExp(`^sum by \\(reason\\) \\(rate\\(${METRICS.traceExportDroppedSpansTotal.name}\\{`));
  });

  test('for Grafana 9.3 (the reference profile) the Traces panel searches with nativeSearch, where TraceQL is behind a flag', () => {
    const legacy = modelServiceDashboard({ appName: 'model-service', traceSearch: 'nativeSearch' }) as unknown as { panels: { title: string; targets?: Record<string, unknown>[] }[] };
    const target = legacy.panels.find((p) => p.title === 'Recent traces')!.targets![0];
    expect(target).toMatchObject({ queryType: 'nativeSearch', serviceName: 'model-service', spanName: 'POST /predict', limit: 20 });
    expect(target.query).toBeUndefined();
  });

  test('firing alerts of the service are annotations on every graph', () => {
    const list = (model.annotations as { list: { name: string; expr: string; datasource: { uid: string } }[] }).list;
    expect(list).toEqual([
      expect.objectContaining({ name: 'Firing alerts', expr: 'ALERTS{app="model-service", alertstate="firing"}', datasource: { type: 'prometheus', uid: 'prometheus' } }),
    ]);
  });

  test('panels sit on the 24-column grid without overlapping', () => {
    const cells = new Set<string>();
    for (const p of panels) {
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++)
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          const key = `${x},${y}`;
          expect(cells.has(key)).toBe(false);
          cells.add(key);
        }
    }
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
  });

  test('the JSON model conforms to the SDK dashboard schema (dashboard, panel options, queries)', () => {
    expect(dashboardSchemaErrors(model)).toEqual([]);
  });

  test('the schema check rejects misspelt keys, wrong types and values outside an enum', () => {
    // Two separate models: TypeScript reports one excess property per object literal and then stops there.
    const misspelt = JSON.parse(JSON.stringify(model));
    misspelt.refersh = '10s';
    expect(dashboardSchemaErrors(misspelt).join('\n')).toMatch(/'"refersh"' does not exist/);

    const broken = JSON.parse(JSON.stringify(model));
    broken.graphTooltip = 7;
    broken.panels[1].options.legend.displayMode = 'sideways';
    broken.panels[1].gridPos.w = '12';
    broken.panels[2].targets[0].exprr = 'up';
    const errors = dashboardSchemaErrors(broken).join('\n');
    expect(errors).toMatch(/Type '7' is not assignable to type '0 \| 1 \| 2 \| undefined'/);
    expect(errors).toMatch(/"sideways"/);
    expect(errors).toMatch(/'string' is not assignable to type 'number'/);
    expect(errors).toMatch(/'"exprr"' does not exist/);
  });

  test('a bad app name is refused with a message saying what to pass', () => {
    expect(() => modelServiceDashboard({ appName: '' })).toThrow(/appName "" is not a Kubernetes label value/);
  });
});

// Grafana sends these queries to Prometheus 2.41 (reference) or 3.14.0 (current): each profile's
// promtool parses them.
describe.each(PROFILES)('model-service dashboard queries under the %s profile\'s promtool', (profile) => {
  let tool: Promtool;
  beforeAll(async () => {
    tool = await resolvePromtool(profile);
  });

  test('every PromQL expression parses (promtool), with the variables Grafana substitutes', () => {
    const queries = prometheusQueries(model);
    expect(queries.length).toBeGreaterThan(20);
    const result = checkPromql(
      tool,
      queries.map((q) => ({ name: `${q.panel}/${q.refId}`, expr: assertNoVariables(substitute(q.expr, GRAFANA_VALUES)) })),
    );
    if (result.status !== 0) throw new Error(`promtool rejected a dashboard query:\n${result.output}`);
    expect(result.output).toContain(`SUCCESS: ${queries.length} rules found`);
  });

  test('the PromQL check rejects a broken expression', () => {
    const result = checkPromql(tool, [{ name: 'broken', expr: 'sum by (le (rate(x[1m]))' }]);
    expect(result.status).not.toBe(0);
  });
});
