/** Errors: how much of that work fails (golden signal #2). */
import { METRICS } from '../../../../model-service/src/metrics/catalogue';
import { DashboardContext, DashboardRow, WIDTH, promQuery, rate, timeSeriesPanel } from '../common';

const requests = METRICS.httpRequestsTotal.name;

/**
 * Share of requests answered with 5xx. `or vector(0)` keeps the numerator defined when nothing failed,
 * so a healthy service shows 0 % rather than "No data".
 */
export function errorRatioExpr(ctx: DashboardContext): string {
  return (
    `(sum(${rate(ctx, requests, 'status_code=~"5.."')}) or vector(0))` +
    ` / sum(${rate(ctx, requests)})`
  );
}

export const errorsRow: DashboardRow = {
  title: 'Errors',
  panels: (ctx: DashboardContext) => [
    timeSeriesPanel(
      'Error ratio (5xx)',
      'Share of requests the service failed (5xx, including 503 load shedding). Client errors (4xx) are not counted here.',
    )
      .span(WIDTH.half)
      .unit('percentunit')
      .min(0)
      .withTarget(promQuery(errorRatioExpr(ctx), 'error ratio')),
    timeSeriesPanel(
      '4xx vs 5xx per second',
      '4xx: the caller sent something wrong (empty or oversized document, bad content type). 5xx: the service failed.',
    )
      .span(WIDTH.half)
      .unit('reqps')
      .withTarget(
        promQuery(
          // label_replace folds 400, 404, 413, ... into "4xx" so the panel keeps two series.
          `sum by (class) (label_replace(${rate(ctx, requests, 'status_code=~"[45].."')}, "class", "$1", "status_code", "(.).."))`,
          '{{class}}xx',
        ),
      ),
  ],
};
