/**
 * The model-service dashboard, generated with the Grafana Foundation SDK from the service's metric catalogue.
 * Rows follow the golden signals (traffic, errors, latency, saturation), then the model and its quality (drift, accuracy), logs and traces,
 * so one screen goes from "something is wrong" to the trace and the log lines of a slow request.
 */
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type { DriftSignal } from 'model-service/contract';
import { checkAppName } from '../../shared/label-value';
import { resolveDriftThresholds } from '../rules/options';
import { DashboardContext, DashboardRow, PROMETHEUS, TraceSearch, VARIABLES } from './common';
import { errorsRow } from './rows/errors';
import { latencyRow } from './rows/latency';
import { logsRow } from './rows/logs';
import { modelRow } from './rows/model';
import { modelQualityRow } from './rows/model-quality';
import { modelVersionsRow } from './rows/model-versions';
import { saturationRow } from './rows/saturation';
import { tracesRow } from './rows/traces';
import { trafficRow } from './rows/traffic';

/** Fixed so links, provisioning and the README can point at the dashboard (Grafana caps uids at 40 characters). */
export function dashboardUid(appName: string): string {
  return `${appName}-overview`.slice(0, 40);
}

export const MODEL_SERVICE_ROWS: readonly DashboardRow[] = [
  trafficRow,
  errorsRow,
  latencyRow,
  saturationRow,
  modelRow,
  modelQualityRow,
  modelVersionsRow,
  logsRow,
  tracesRow,
];

function variables(ctx: DashboardContext): dashboard.QueryVariableBuilder[] {
  // `up` exists for every scraped pod, even before the first request, so the pickers are never empty.
  const up = `up{app="${ctx.appName}"}`;
  return [
    new dashboard.QueryVariableBuilder(VARIABLES.namespace)
      .label('Namespace')
      .datasource(PROMETHEUS)
      .query(`label_values(${up}, namespace)`)
      .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
      .sort(dashboard.VariableSort.AlphabeticalAsc),
    new dashboard.QueryVariableBuilder(VARIABLES.pod)
      .label('Pod')
      .datasource(PROMETHEUS)
      .query(`label_values(up{app="${ctx.appName}", namespace="$${VARIABLES.namespace}"}, pod)`)
      .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
      .sort(dashboard.VariableSort.AlphabeticalAsc)
      .multi(true)
      .includeAll(true)
      // Without this "All" would expand to a list of today's pods and miss pods that replaced them.
      .allValue('.*'),
  ];
}

/**
 * Firing alerts of the service as annotations on every graph, so a spike and the alert it raised line up.
 * An explicit list also matters for Grafana 9.3: it appends its built-in annotation to `annotations.list`
 * and expects that list to exist.
 */
function firingAlerts(ctx: DashboardContext): dashboard.AnnotationQueryBuilder {
  return new dashboard.AnnotationQueryBuilder()
    .name('Firing alerts')
    .datasource(PROMETHEUS)
    .enable(true)
    .iconColor('red')
    .expr(`ALERTS{app="${ctx.appName}", alertstate="firing"}`)
    .titleFormat('{{alertname}}')
    .textFormat('{{severity}} alert, see its section in docs/runbook.md')
    .step('60s');
}

export interface ModelServiceDashboardOptions {
  readonly appName: string;
  /** PSI thresholds of the drift alerts, drawn on the drift panel. @default DEFAULT_DRIFT_PSI_THRESHOLDS */
  readonly driftThresholds?: Partial<Record<DriftSignal, number>>;
  /** How the Traces panel searches Tempo: 'nativeSearch' for Grafana 9.3 (reference profile). @default 'traceql' */
  readonly traceSearch?: TraceSearch;
}

export function modelServiceDashboard(opts: ModelServiceDashboardOptions): Record<string, unknown> {
  const ctx: DashboardContext = {
    appName: checkAppName('modelServiceDashboard', opts.appName),
    driftThresholds: resolveDriftThresholds(opts.driftThresholds, 'modelServiceDashboard'),
    traceSearch: opts.traceSearch ?? 'traceql',
  };
  const builder = new dashboard.DashboardBuilder(`Model service: ${ctx.appName}`)
    .uid(dashboardUid(ctx.appName))
    .description('Golden signals, model behaviour and quality, logs and traces of the model service (generated; do not edit in Grafana).')
    .tags([...new Set(['generated', 'model-service', ctx.appName])])
    .editable()
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .time({ from: 'now-30m', to: 'now' })
    .refresh('10s')
    .timezone('browser');
  for (const variable of variables(ctx)) builder.withVariable(variable);
  builder.annotation(firingAlerts(ctx));
  for (const row of MODEL_SERVICE_ROWS) {
    builder.withRow(new dashboard.RowBuilder(row.title));
    for (const panel of row.panels(ctx)) builder.withPanel(panel);
  }
  // The SDK returns class-free plain data plus a marker method on queries; a JSON round trip gives
  // exactly what Grafana will read from the provisioned file.
  const model = JSON.parse(JSON.stringify(builder.build())) as { panels: { id?: number }[] };
  // Stable panel ids keep "view panel" links and the snapshot deterministic.
  model.panels.forEach((panel, i) => (panel.id = i + 1));
  return model as unknown as Record<string, unknown>;
}
