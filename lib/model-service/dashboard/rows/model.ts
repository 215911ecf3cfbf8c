/** Model: what the classifier decides and how sure it is; drift shows here before accuracy drops. */
import { INFERENCE_STAGES, METRICS } from 'model-service/contract';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as heatmap from '@grafana/grafana-foundation-sdk/heatmap';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as table from '@grafana/grafana-foundation-sdk/table';
import {
  DashboardContext,
  DashboardRow,
  HEIGHT,
  PROMETHEUS,
  RATE_INTERVAL,
  WIDTH,
  promQuery,
  quantile,
  rate,
  series,
  timeSeriesPanel,
} from '../common';

const predictions = METRICS.modelPredictionsTotal.name;
const confidence = METRICS.modelPredictionConfidence.name;
const oov = METRICS.modelOutOfVocabularyRatio.name;
const tokens = METRICS.modelDocumentTokens.name;
const stageDuration = METRICS.modelInferenceDurationSeconds.name;

/** Mean of a histogram over the rate interval: rate(sum) / rate(count). */
function mean(ctx: DashboardContext, histogram: string, by: readonly string[] = []): string {
  const groups = by.length > 0 ? ` by (${by.join(', ')}) ` : '';
  return `sum${groups}(${rate(ctx, `${histogram}_sum`)}) / sum${groups}(${rate(ctx, `${histogram}_count`)})`;
}

function confidenceHeatmap(ctx: DashboardContext): heatmap.PanelBuilder {
  return new heatmap.PanelBuilder()
    .title('Prediction confidence distribution')
    .description('How many predictions fell in each confidence bucket over time. Mass sliding down means the model is less sure.')
    .datasource(PROMETHEUS)
    .height(HEIGHT)
    .span(WIDTH.third)
    // The histogram is already bucketed by Prometheus: show its buckets, do not re-bucket in the browser.
    .calculate(false)
    .withTarget(
      promQuery(`sum by (le) (increase(${series(ctx, `${confidence}_bucket`)}[${RATE_INTERVAL}]))`, '{{le}}').format(
        prometheus.PromQueryFormat.Heatmap,
      ),
    );
}

function modelVersionTable(ctx: DashboardContext): table.PanelBuilder {
  return new table.PanelBuilder()
    .title('Model version')
    .description('The model each pod has loaded (model_info labels).')
    .datasource(PROMETHEUS)
    .height(HEIGHT)
    .span(WIDTH.third)
    .withTarget(
      promQuery(`max by (pod, version, trainer, classes) (${series(ctx, METRICS.modelInfo.name)})`, '')
        .instant()
        .format(prometheus.PromQueryFormat.Table),
    )
    // Hide the Time/Value columns: the labels are the information.
    .withTransformation({ id: 'organize', options: { excludeByName: { Time: true, Value: true } } });
}

export const modelRow: DashboardRow = {
  title: 'Model',
  panels: (ctx: DashboardContext) => [
    timeSeriesPanel('Predictions per second by class', 'What the model answers. A class share that shifts suddenly is input drift or a bad model.')
      .unit('short')
      .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
      .withTarget(promQuery(`sum by (class) (${rate(ctx, predictions)})`, '{{class}}')),
    confidenceHeatmap(ctx),
    timeSeriesPanel('Confidence: median and low-confidence share', 'Median probability of the predicted class, and the share of predictions below 0.5.')
      .unit('percentunit')
      .min(0)
      .max(1)
      .withTarget(promQuery(quantile(ctx, 0.5, confidence), 'median', 'A'))
      .withTarget(
        promQuery(
          `sum(${rate(ctx, `${confidence}_bucket`, 'le="0.5"')}) / sum(${rate(ctx, `${confidence}_count`)})`,
          'share below 0.5',
          'B',
        ),
      ),
    timeSeriesPanel('Out-of-vocabulary ratio', 'Share of document tokens the model has never seen (mean and p90): the main drift signal.')
      .unit('percentunit')
      .min(0)
      .withTarget(promQuery(mean(ctx, oov), 'mean', 'A'))
      .withTarget(promQuery(quantile(ctx, 0.9, oov), 'p90', 'B')),
    timeSeriesPanel(
      'Inference time by stage (p99)',
      `Time spent in each inference stage (${INFERENCE_STAGES.join(', ')}); the spans of a trace carry the same names.`,
    )
      .unit('s')
      .withTarget(promQuery(quantile(ctx, 0.99, stageDuration, ['stage']), '{{stage}}')),
    timeSeriesPanel('Document length (tokens)', 'Median and p95 document length in tokens.')
      .unit('short')
      .withTarget(promQuery(quantile(ctx, 0.5, tokens), 'p50', 'A'))
      .withTarget(promQuery(quantile(ctx, 0.95, tokens), 'p95', 'B')),
    modelVersionTable(ctx),
  ],
};
