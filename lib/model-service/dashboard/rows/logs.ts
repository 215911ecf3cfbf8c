/** Logs: the service's pod logs from Loki; completion lines link to their trace (derived field `trace`). */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as logs from '@grafana/grafana-foundation-sdk/logs';
import * as loki from '@grafana/grafana-foundation-sdk/loki';
import { DashboardContext, DashboardRow, LOKI, VARIABLES, WIDTH } from '../common';

/**
 * Stream selector on promtail 6.9.0's default labels: `app` (from app.kubernetes.io/name), `namespace`, `pod`.
 */
export function logStreamSelector(ctx: DashboardContext): string {
  return `{app="${ctx.appName}", namespace="$${VARIABLES.namespace}", pod=~"$${VARIABLES.pod}"}`;
}

export const logsRow: DashboardRow = {
  title: 'Logs',
  panels: (ctx: DashboardContext) => [
    new logs.PanelBuilder()
      .title('Service logs')
      .description('Log lines of the selected pods. Expand a line with trace=<id> and follow the "trace" link to Tempo.')
      .datasource(LOKI)
      .height(12)
      .span(WIDTH.full)
      .showTime(true)
      .wrapLogMessage(true)
      .enableLogDetails(true)
      .sortOrder(common.LogsSortOrder.Descending)
      .withTarget(new loki.DataqueryBuilder().datasource(LOKI).expr(logStreamSelector(ctx)).refId('A')),
  ],
};
