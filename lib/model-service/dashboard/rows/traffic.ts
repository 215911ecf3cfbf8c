/** Traffic: how much the service is asked to do (golden signal #1). */
import { METRICS } from 'model-service/contract';
import { DashboardContext, DashboardRow, WIDTH, promQuery, rate, timeSeriesPanel } from '../common';

const requests = METRICS.httpRequestsTotal.name;

export const trafficRow: DashboardRow = {
  title: 'Traffic',
  panels: (ctx: DashboardContext) => [
    timeSeriesPanel('Requests per second by route and status', 'Answered HTTP requests per second, split by route and status code.')
      .span(WIDTH.half)
      .unit('reqps')
      .withTarget(
        promQuery(`sum by (route, status_code) (${rate(ctx, requests)})`, '{{route}} {{status_code}}'),
      ),
    timeSeriesPanel('Requests per second by pod', 'How the load spreads over the selected pods.')
      .span(WIDTH.half)
      .unit('reqps')
      .withTarget(promQuery(`sum by (pod) (${rate(ctx, requests)})`, '{{pod}}')),
  ],
};
