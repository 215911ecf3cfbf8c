/**
 * By model version: latency, errors and drift split by the version of the model each pod serves,
 * the view a rollout needs (old and new pods side by side). Every series of a pod is joined on
 * (namespace, pod) to that pod's `model_info`, whose `version` label is the model file's version.
 */
import { DRIFT_STATISTICS, METRICS, MODEL_VERSION } from 'model-service/contract';
import { DashboardContext, DashboardRow, RATE_INTERVAL, promQuery, series, timeSeriesPanel } from '../common';

const requests = METRICS.httpRequestsTotal.name;
const duration = METRICS.httpRequestDurationSeconds.name;
const score = METRICS.modelDriftScore.name;
const version = MODEL_VERSION.infoLabel;

/** `expr` with each series labelled by its pod's model version. */
export function byModelVersion(ctx: DashboardContext, expr: string): string {
  return `(${expr}) * on (namespace, pod) group_left (${version}) ${series(ctx, METRICS.modelInfo.name)}`;
}

function rateByVersion(ctx: DashboardContext, metric: string, ...extra: string[]): string {
  return `sum by (${version}) (${byModelVersion(ctx, `rate(${series(ctx, metric, ...extra)}[${RATE_INTERVAL}])`)})`;
}

export const modelVersionsRow: DashboardRow = {
  title: 'By model version',
  panels: (ctx: DashboardContext) => [
    timeSeriesPanel('Request latency p99 by model version', 'p99 of the request duration of the pods serving each model version.')
      .unit('s')
      .withTarget(promQuery(
        `histogram_quantile(0.99, sum by (le, ${version}) (${byModelVersion(ctx, `rate(${series(ctx, `${duration}_bucket`)}[${RATE_INTERVAL}])`)}))`,
        `{{${version}}}`,
      )),
    timeSeriesPanel('Error ratio (5xx) by model version', 'Share of requests failed (5xx) by the pods serving each model version; 0 when none failed.')
      .unit('percentunit')
      .min(0)
      .withTarget(promQuery(
        `(${rateByVersion(ctx, requests, 'status_code=~"5.."')} or ${rateByVersion(ctx, requests)} * 0) / ${rateByVersion(ctx, requests)}`,
        `{{${version}}}`,
      )),
    timeSeriesPanel('Drift (largest PSI) by model version', 'The largest Population Stability Index of any drift signal among the pods serving each model version.')
      .min(0)
      .withTarget(promQuery(
        `max by (${version}) (${byModelVersion(ctx, series(ctx, score, `statistic="${DRIFT_STATISTICS.psi}"`))})`,
        `{{${version}}}`,
      )),
  ],
};
