/** Traces: recent traces of the service from Tempo. */
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as tempo from '@grafana/grafana-foundation-sdk/tempo';
import { DashboardContext, DashboardRow, TEMPO, WIDTH } from '../common';

export const tracesRow: DashboardRow = {
  title: 'Traces',
  panels: (ctx: DashboardContext) => [
    new table.PanelBuilder()
      .title('Recent traces')
      .description('Latest traces of the service; click a trace id to open it, then "Logs for this span" to reach its log lines.')
      .datasource(TEMPO)
      .height(10)
      .span(WIDTH.full)
      .withTarget(
        new tempo.DataqueryBuilder()
          .datasource(TEMPO)
          // Grafana 9.3 (the chart's pin) searches Tempo with "nativeSearch"; TraceQL there is behind a feature flag.
          .queryType(tempo.TempoQueryType.NativeSearch)
          .serviceName(ctx.appName)
          .limit(20)
          .refId('A'),
      ),
  ],
};
