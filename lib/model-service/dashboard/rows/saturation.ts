/** Saturation: how full the service is (golden signal #4). */
import { DEFAULT_PROCESS_METRICS, METRICS } from 'model-service/contract';
import { DashboardContext, DashboardRow, promQuery, rate, series, timeSeriesPanel } from '../common';

export const saturationRow: DashboardRow = {
  title: 'Saturation',
  panels: (ctx: DashboardContext) => [
    timeSeriesPanel('CPU', 'CPU time used per second, in cores. Node runs JavaScript on one core: near 1 means saturated.')
      .unit('short')
      .axisLabel('cores')
      .min(0)
      .withTarget(promQuery(`sum by (pod) (${rate(ctx, DEFAULT_PROCESS_METRICS.cpuSecondsTotal)})`, '{{pod}}')),
    timeSeriesPanel('Memory', 'Resident set size (what the container memory limit counts) and the V8 heap in use.')
      .unit('bytes')
      .min(0)
      .withTarget(
        promQuery(`sum by (pod) (${series(ctx, DEFAULT_PROCESS_METRICS.residentMemoryBytes)})`, 'rss {{pod}}', 'A'),
      )
      .withTarget(promQuery(`sum by (pod) (${series(ctx, DEFAULT_PROCESS_METRICS.heapUsedBytes)})`, 'heap {{pod}}', 'B')),
    timeSeriesPanel('Event-loop lag p99', 'How late timers fire: every request waits at least this long when it is high.')
      .unit('s')
      .min(0)
      .withTarget(promQuery(`max by (pod) (${series(ctx, DEFAULT_PROCESS_METRICS.eventLoopLagP99Seconds)})`, '{{pod}}')),
    timeSeriesPanel('Event-loop utilisation', 'Share of time the event loop was busy between scrapes (1 = no idle time left).')
      .unit('percentunit')
      .min(0)
      .max(1)
      .withTarget(promQuery(`max by (pod) (${series(ctx, METRICS.eventLoopUtilization.name)})`, '{{pod}}')),
    timeSeriesPanel('In-flight requests', 'Requests being handled right now.')
      .unit('short')
      .min(0)
      .withTarget(promQuery(`sum by (pod) (${series(ctx, METRICS.httpRequestsInFlight.name)})`, '{{pod}}')),
    timeSeriesPanel('Shed requests per second', 'Requests refused with 503 because the service was overloaded, by reason.')
      .unit('reqps')
      .min(0)
      .withTarget(promQuery(`sum by (reason) (${rate(ctx, METRICS.httpRequestsShedTotal.name)})`, '{{reason}}')),
  ],
};
