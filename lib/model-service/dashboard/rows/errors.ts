/** Errors: how much of that work fails (golden signal #2). */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { METRICS, ROUTES } from 'model-service/contract';
import { OBJECTIVE_RECORD, PAGE_BURNS, TICKET_BURNS, errorRatioRecord } from '../../rules/slo';
import { DashboardContext, DashboardRow, VARIABLES, promQuery, rate, timeSeriesPanel } from '../common';

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

/**
 * Burn rate of the availability error budget over the alerts' long windows: the recorded 5xx ratio of
 * POST /predict divided by the budget (1 - objective, itself a recorded series). 1 spends the budget in
 * exactly 30 days; the alert thresholds are drawn as lines.
 */
function burnRatePanel(ctx: DashboardContext) {
  const pairs = [...PAGE_BURNS, ...TICKET_BURNS];
  const panel = timeSeriesPanel(
    `Error budget burn rate (POST ${ROUTES.predict})`,
    'How fast the availability SLO budget is spent (1 = exactly the budget in 30 days). Lines: ' +
      pairs.map((p) => `${p.factor}x over ${p.long}`).join(', ') +
      '; an alert needs the short window too (see docs/runbook.md). Needs the generated recording rules.',
  )
    .unit('x')
    .min(0)
    .thresholds(
      new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([
        { value: null, color: 'green' },
        // Ticket thresholds orange, page thresholds red.
        ...[
          ...TICKET_BURNS.map((p) => ({ value: p.factor, color: 'orange' })),
          ...PAGE_BURNS.map((p) => ({ value: p.factor, color: 'red' })),
        ].sort((a, b) => a.value - b.value),
      ]),
    )
    .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Line));
  pairs.forEach((p, i) => {
    const ratio = `${errorRatioRecord(p.long)}{app="${ctx.appName}", namespace="$${VARIABLES.namespace}"}`;
    const budget = `(1 - ${OBJECTIVE_RECORD}{app="${ctx.appName}"})`;
    panel.withTarget(promQuery(`${ratio} / on (app) group_left () ${budget}`, p.long, String.fromCharCode(65 + i)));
  });
  return panel;
}

export const errorsRow: DashboardRow = {
  title: 'Errors',
  panels: (ctx: DashboardContext) => [
    timeSeriesPanel(
      'Error ratio (5xx)',
      'Share of requests the service failed (5xx, including 503 load shedding). Client errors (4xx) are not counted here.',
    )
      .unit('percentunit')
      .min(0)
      .withTarget(promQuery(errorRatioExpr(ctx), 'error ratio')),
    timeSeriesPanel(
      '4xx vs 5xx per second',
      '4xx: the caller sent something wrong (empty or oversized document, bad content type). 5xx: the service failed.',
    )
      .unit('reqps')
      .withTarget(
        promQuery(
          // label_replace folds 400, 404, 413, ... into "4xx" so the panel keeps two series.
          `sum by (class) (label_replace(${rate(ctx, requests, 'status_code=~"[45].."')}, "class", "$1", "status_code", "(.).."))`,
          '{{class}}xx',
        ),
      ),
    burnRatePanel(ctx),
  ],
};
