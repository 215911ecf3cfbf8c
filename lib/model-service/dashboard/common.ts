/**
 * Shared defaults for the generated dashboards: datasource references, the series selector,
 * query helpers and panel presets. Rows (./rows/*) compose these; nothing here knows a row.
 */
import * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import type { DriftSignal } from 'model-service/contract';
import { DATASOURCE_UIDS } from '../../grafana/datasources';

export const PROMETHEUS: common.DataSourceRef = { type: 'prometheus', uid: DATASOURCE_UIDS.prometheus };
export const LOKI: common.DataSourceRef = { type: 'loki', uid: DATASOURCE_UIDS.loki };
export const TEMPO: common.DataSourceRef = { type: 'tempo', uid: DATASOURCE_UIDS.tempo };

/** Template variable names (the `$namespace` / `$pod` in every query). */
export const VARIABLES = { namespace: 'namespace', pod: 'pod' } as const;

/** Grafana's rate window: at least 4 scrapes, never shorter than the panel's step. */
export const RATE_INTERVAL = '$__rate_interval';

/** Panel sizes on Grafana's 24-column grid. */
export const WIDTH = { third: 8, half: 12, full: 24 } as const;
export const HEIGHT = 8;

/** What every panel of one dashboard needs to build its queries. */
export interface DashboardContext {
  /** Value of the `app` label the scrape job copies from the pod label app.kubernetes.io/name. */
  readonly appName: string;
  /** PSI per signal at which the drift alert fires (the rules' thresholds), drawn on the drift panel. */
  readonly driftThresholds: Readonly<Record<DriftSignal, number>>;
  /** How the Traces panel searches Tempo: TraceQL (Grafana 10+) or Grafana 9.3's nativeSearch. */
  readonly traceSearch: TraceSearch;
}

export type TraceSearch = 'traceql' | 'nativeSearch';

/**
 * Label matchers selecting the service's series on the dashboard: the app, the chosen namespace
 * and the chosen pods (`$pod` is multi-valued, so it is a regex match; "All" expands to `.*`).
 */
export function seriesMatchers(ctx: DashboardContext, ...extra: string[]): string {
  return [
    `app="${ctx.appName}"`,
    `namespace="$${VARIABLES.namespace}"`,
    `pod=~"$${VARIABLES.pod}"`,
    ...extra,
  ].join(', ');
}

/** `metric{matchers}` for the service's series. */
export function series(ctx: DashboardContext, metric: string, ...extra: string[]): string {
  return `${metric}{${seriesMatchers(ctx, ...extra)}}`;
}

/** Per-second rate of a counter over Grafana's rate interval. */
export function rate(ctx: DashboardContext, metric: string, ...extra: string[]): string {
  return `rate(${series(ctx, metric, ...extra)}[${RATE_INTERVAL}])`;
}

/** `histogram_quantile(q, sum by (le, ...by) (rate(<histogram>_bucket{...}[...])))`. */
export function quantile(
  ctx: DashboardContext,
  q: number,
  histogram: string,
  by: readonly string[] = [],
  ...extra: string[]
): string {
  const groups = ['le', ...by].join(', ');
  return `histogram_quantile(${q}, sum by (${groups}) (${rate(ctx, `${histogram}_bucket`, ...extra)}))`;
}

/** A range query on Prometheus with a legend. */
export function promQuery(expr: string, legend: string, refId = 'A'): prometheus.DataqueryBuilder {
  return new prometheus.DataqueryBuilder()
    .datasource(PROMETHEUS)
    .expr(expr)
    .legendFormat(legend)
    .range()
    .refId(refId);
}

/** The house time-series panel: lines, multi-series tooltip, legend as a table with last/max. */
export function timeSeriesPanel(title: string, description: string): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(PROMETHEUS)
    .height(HEIGHT)
    .span(WIDTH.third)
    .lineWidth(1)
    .fillOpacity(10)
    .showPoints(common.VisibilityMode.Never)
    .legend(
      new common.VizLegendOptionsBuilder()
        .displayMode(common.LegendDisplayMode.Table)
        .placement(common.LegendPlacement.Bottom)
        .showLegend(true)
        .calcs(['lastNotNull', 'max']),
    )
    .tooltip(
      new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending),
    );
}

/** One row of the dashboard: a title and the panels under it, built for one service. */
export interface DashboardRow {
  readonly title: string;
  panels(ctx: DashboardContext): cog.Builder<dashboard.Panel>[];
}
