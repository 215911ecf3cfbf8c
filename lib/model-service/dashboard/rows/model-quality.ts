/**
 * Model quality: is the traffic still what the model was trained on (drift against the reference
 * profile in the model file), and is the model still right (accuracy on the predictions whose
 * true label came back through POST /feedback)?
 */
import { CLASS_SHARE_SOURCES, DRIFT_SIGNAL_NAMES, DRIFT_SIGNALS, DRIFT_STATISTICS, METRICS, ROUTES } from 'model-service/contract';
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import {
  ACCURACY_OBJECTIVE_RECORD, ACCURACY_WINDOWS, FEEDBACK_COVERAGE_RECORD, accuracyRecord,
} from '../../rules/model-quality';
import { DashboardContext, DashboardRow, HEIGHT, PROMETHEUS, VARIABLES, WIDTH, promQuery, rate, series, timeSeriesPanel } from '../common';

const score = METRICS.modelDriftScore.name;
/** Accuracy and recall need labels that arrive slowly: a fixed 1 h window, not the panel's rate interval. */
const QUALITY_WINDOW = '1h';

function thresholdLine(value: number): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([
    { value: null, color: 'green' },
    { value, color: 'red' },
  ]);
}

/** Every signal's PSI divided by its alert threshold, so one line at 1 is every alert's threshold. */
function driftPanel(ctx: DashboardContext) {
  const panel = timeSeriesPanel(
    'Drift per signal (PSI ÷ alert threshold)',
    'Population Stability Index of the recent predictions against the reference profile in the model file, per signal, '
      + 'divided by the signal\'s alert threshold: above 1 (red line) for the alert\'s duration, ModelServiceDrift fires. Thresholds: '
      + DRIFT_SIGNAL_NAMES.map((s) => `${s} ${ctx.driftThresholds[s]}`).join(', ')
      + '. No line: the window holds fewer than driftMinPredictions predictions, or the model has no profile (see the stat).',
  )
    .unit('x')
    .min(0)
    .thresholds(thresholdLine(1))
    .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.LineAndArea));
  DRIFT_SIGNAL_NAMES.forEach((signal, i) => {
    const expr = `avg(${series(ctx, score, `signal="${signal}"`, `statistic="${DRIFT_STATISTICS.psi}"`)}) / ${ctx.driftThresholds[signal]}`;
    panel.withTarget(promQuery(expr, DRIFT_SIGNALS[signal].description, String.fromCharCode(65 + i)));
  });
  return panel;
}

function jsDistancePanel(ctx: DashboardContext) {
  return timeSeriesPanel(
    'Drift per signal (Jensen–Shannon distance)',
    'The same comparison as a bounded distance: 0 = the reference distribution, 1 = nothing in common. Not alerted on; '
      + 'easier to compare across signals than PSI.',
  )
    .unit('short')
    .min(0)
    .max(1)
    .withTarget(promQuery(`avg by (signal) (${series(ctx, score, `statistic="${DRIFT_STATISTICS.jsDistance}"`)})`, '{{signal}}'));
}

function classMixPanel(ctx: DashboardContext): bargauge.PanelBuilder {
  const share = METRICS.modelClassShare.name;
  return new bargauge.PanelBuilder()
    .title('Class mix: now vs reference')
    .description(
      `Share of each class among the predictions in the drift window (${CLASS_SHARE_SOURCES.window}), among the out-of-fold `
        + `predictions on the training split (${CLASS_SHARE_SOURCES.referencePredictions}) and among its true labels `
        + `(${CLASS_SHARE_SOURCES.referenceLabels}). A class growing or vanishing in the window is drift or a broken input.`,
    )
    .datasource(PROMETHEUS)
    .height(HEIGHT)
    .span(WIDTH.third)
    .unit('percentunit')
    .min(0)
    .max(1)
    .orientation(common.VizOrientation.Horizontal)
    .displayMode(common.BarGaugeDisplayMode.Basic)
    .withTarget(
      promQuery(`avg by (class, source) (${series(ctx, share)})`, '{{class}} · {{source}}')
        .instant()
        .format(prometheus.PromQueryFormat.TimeSeries),
    );
}

function accuracyPanel(ctx: DashboardContext) {
  const sel = `app="${ctx.appName}", namespace="$${VARIABLES.namespace}"`;
  const panel = timeSeriesPanel(
    'Accuracy of labelled predictions',
    'Share of the predictions labelled through POST /feedback whose class was right, over 1 h and 1 d (recording rules), '
      + 'and the accuracy objective the burn-rate alerts use. No line: no feedback in the window.',
  )
    .unit('percentunit')
    .max(1);
  ACCURACY_WINDOWS.forEach((w, i) => panel.withTarget(promQuery(`${accuracyRecord(w)}{${sel}}`, `accuracy ${w}`, String.fromCharCode(65 + i))));
  panel.withTarget(promQuery(`${ACCURACY_OBJECTIVE_RECORD}{app="${ctx.appName}"}`, 'objective', 'C'));
  return panel;
}

function recallPanel(ctx: DashboardContext) {
  const correct = `sum by (class) (rate(${series(ctx, METRICS.modelFeedbackCorrectTotal.name)}[${QUALITY_WINDOW}]))`;
  const labelled = `sum by (class) (label_replace(rate(${series(ctx, METRICS.modelFeedbackLabelledTotal.name)}[${QUALITY_WINDOW}]), "class", "$1", "true_class", "(.*)"))`;
  return timeSeriesPanel(
    'Recall per class (1 h)',
    'Of the labelled documents of each true class, the share the model got right. Precision per class and the confusion '
      + `matrix come from the same counter: ${METRICS.modelFeedbackLabelledTotal.name}{true_class, predicted_class}.`,
  )
    .unit('percentunit')
    .max(1)
    .withTarget(promQuery(`${correct} / ${labelled}`, '{{class}}'));
}

function feedbackPanel(ctx: DashboardContext) {
  const sel = `app="${ctx.appName}", namespace="$${VARIABLES.namespace}"`;
  return timeSeriesPanel(
    'Feedback coverage and losses',
    `Labelled predictions per prediction over 1 h (how much traffic the accuracy speaks for), feedback refused per second by `
      + `reason (POST ${ROUTES.feedback}: unknown or expired prediction, duplicate, invalid) and predictions forgotten before `
      + 'their feedback came (ttl, capacity: raise feedbackTtlSeconds / feedbackMaxPredictions).',
  )
    .unit('short')
    .min(0)
    .withTarget(promQuery(`${FEEDBACK_COVERAGE_RECORD}{${sel}}`, 'coverage (labelled / predicted)', 'A'))
    .withTarget(promQuery(`sum by (reason) (${rate(ctx, METRICS.modelFeedbackRejectedTotal.name)})`, 'refused/s: {{reason}}', 'B'))
    .withTarget(promQuery(`sum by (reason) (${rate(ctx, METRICS.modelPredictionStoreEvictionsTotal.name)})`, 'forgotten/s: {{reason}}', 'C'));
}

function windowPanel(ctx: DashboardContext) {
  return timeSeriesPanel(
    'Drift window and reference',
    'Predictions in each pod\'s drift window (scores appear once it holds driftMinPredictions), and whether the model file '
      + 'carries a reference profile (1) or not (0: drift unavailable, not zero).',
  )
    .unit('short')
    .min(0)
    .withTarget(promQuery(`sum by (pod) (${series(ctx, METRICS.modelDriftWindowPredictions.name)})`, 'window {{pod}}', 'A'))
    .withTarget(promQuery(`min(${series(ctx, METRICS.modelDriftReferenceAvailable.name)})`, 'reference available', 'B'));
}

export const modelQualityRow: DashboardRow = {
  title: 'Model quality',
  panels: (ctx: DashboardContext) => [
    driftPanel(ctx),
    jsDistancePanel(ctx),
    classMixPanel(ctx),
    accuracyPanel(ctx),
    recallPanel(ctx),
    feedbackPanel(ctx),
    windowPanel(ctx),
  ],
};
