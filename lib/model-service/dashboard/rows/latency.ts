/** Latency: how long the work takes (golden signal #3), with exemplars linking to traces. */
import { METRICS } from 'model-service/contract';
import { DashboardContext, DashboardRow, WIDTH, promQuery, quantile, timeSeriesPanel } from '../common';

const duration = METRICS.httpRequestDurationSeconds.name;
const QUANTILES = [0.5, 0.95, 0.99] as const;

export const latencyRow: DashboardRow = {
  title: 'Latency',
  panels: (ctx: DashboardContext) => {
    const overall = timeSeriesPanel(
      'Request latency p50 / p95 / p99',
      'Quantiles of the request-duration histogram. The dots are exemplars: click one to open the trace of that request in Tempo.',
    )
      .span(WIDTH.half)
      .unit('s');
    QUANTILES.forEach((q, i) => {
      overall.withTarget(
        promQuery(quantile(ctx, q, duration), `p${Math.round(q * 100)}`, String.fromCharCode(65 + i))
          // Exemplars (trace_id) on every quantile: the datasource turns them into Tempo links.
          .exemplar(true),
      );
    });
    return [
      overall,
      timeSeriesPanel('Request latency p99 by route', 'Which route is slow.')
        .span(WIDTH.half)
        .unit('s')
        .withTarget(promQuery(quantile(ctx, 0.99, duration, ['route']), '{{route}}').exemplar(true)),
    ];
  },
};
