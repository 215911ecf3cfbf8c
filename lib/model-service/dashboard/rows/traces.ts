/** Traces: recent prediction traces of the service from Tempo, and the service's own span export. */
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as tempo from '@grafana/grafana-foundation-sdk/tempo';
import { METRICS } from 'model-service/contract';
import { PREDICT_ROUTE } from '../../rules/selectors';
import { DashboardContext, DashboardRow, promQuery, rate, series, TEMPO, timeSeriesPanel, WIDTH } from '../common';

/**
 * The root span of a prediction, as the service names its server spans: `<method> <route>`.
 * Without this filter the panel's 20 traces are mostly Prometheus' scrapes (a GET /metrics trace
 * every 2 s per pod) and the kubelet's probes, and a prediction drops out of the panel within
 * seconds on a quiet service.
 */
export const PREDICT_SPAN_NAME = `POST ${PREDICT_ROUTE}`;

export const tracesRow: DashboardRow = {
  title: 'Traces',
  panels: (ctx: DashboardContext) => [
    new table.PanelBuilder()
      .title('Recent traces')
      .description(`Latest ${PREDICT_SPAN_NAME} traces of the service (scrapes and probes left out); click a trace id to open it, then "Logs for this span" to reach its log lines.`)
      .datasource(TEMPO)
      .height(10)
      .span(WIDTH.full)
      .withTarget(tracesQuery(ctx)),
    // Why a trace may be missing: its spans still wait in the pod, or were given up on.
    timeSeriesPanel(
      'Spans waiting for export',
      'Spans each pod holds because the OTLP endpoint (the node\'s Alloy) has not taken them yet; above 0 for long means the endpoint is away. Full at TRACES_RETRY_BUFFER_SPANS (default 60,000).',
    )
      .unit('short')
      .min(0)
      .span(WIDTH.half)
      .withTarget(promQuery(`max by (pod) (${series(ctx, METRICS.traceExportBufferedSpans.name)})`, '{{pod}}')),
    timeSeriesPanel(
      'Spans dropped before export per second',
      'Spans the service gave up exporting, by reason: buffer_full (the endpoint away too long), rejected (refused as bad data), shutdown (unsent when the pod stopped).',
    )
      .unit('short')
      .min(0)
      .span(WIDTH.half)
      .withTarget(promQuery(`sum by (reason) (${rate(ctx, METRICS.traceExportDroppedSpansTotal.name)})`, '{{reason}}')),
  ],
};

/**
 * The service's prediction traces as the profile's Grafana searches Tempo: a TraceQL query in
 * Grafana 10+ (whose Tempo datasource no longer runs the old "nativeSearch" from a panel; it only
 * converts one in the query editor), "nativeSearch" in Grafana 9.3, where TraceQL is behind a flag.
 */
function tracesQuery(ctx: DashboardContext): tempo.DataqueryBuilder {
  const query = new tempo.DataqueryBuilder().datasource(TEMPO);
  const search = ctx.traceSearch === 'nativeSearch'
    ? query.queryType(tempo.TempoQueryType.NativeSearch).serviceName(ctx.appName).spanName(PREDICT_SPAN_NAME)
    : query.queryType(tempo.TempoQueryType.Traceql)
      .query(`{ resource.service.name = ${JSON.stringify(ctx.appName)} && name = ${JSON.stringify(PREDICT_SPAN_NAME)} }`)
      .tableType(tempo.SearchTableType.Traces);
  return search.limit(20).refId('A');
}
