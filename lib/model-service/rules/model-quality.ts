/**
 * Model quality: drift of the recent predictions from the model's reference profile, and
 * accuracy on the predictions whose true label came back through POST /feedback.
 *
 * Recording rules: accuracy over 1 h and 1 d, feedback coverage, the objective, and the
 * labelled-error ratio over the availability SLO's windows. Alerts: sustained drift per signal
 * (PSI over its threshold), drift unavailable (a model file without a reference profile), and
 * an accuracy SLO with the same multi-window burn rates as availability (slo.ts): an error is a
 * labelled prediction whose class was wrong.
 */
import { DRIFT_SIGNAL_NAMES, DRIFT_SIGNALS, DRIFT_STATISTICS, METRICS } from 'model-service/contract';
import { AlertingRule, RecordingRule, RuleGroup, num } from '../../prometheus/rule-types';
import { ResolvedRulesOptions } from './options';
import { runbookLink } from './runbook';
import { app } from './selectors';
import { PAGE_BURNS, SLO_WINDOWS, SloWindow, TICKET_BURNS } from './slo';

export const MODEL_QUALITY_ALERTS = {
  drift: 'ModelServiceDrift',
  driftUnavailable: 'ModelServiceDriftUnavailable',
  accuracyBurnFast: 'ModelServiceAccuracyBudgetBurnFast',
  accuracyBurnSlow: 'ModelServiceAccuracyBudgetBurnSlow',
} as const;

/** Windows accuracy is recorded over (the dashboard shows both). */
export const ACCURACY_WINDOWS = ['1h', '1d'] as const;
export type AccuracyWindow = (typeof ACCURACY_WINDOWS)[number];

export function accuracyRecord(window: AccuracyWindow): string {
  return `namespace_app:model_accuracy:ratio_rate${window}`;
}

/** Share of labelled predictions that were wrong, over one SLO window. */
export function labelledErrorRatioRecord(window: SloWindow): string {
  return `namespace_app:model_labelled_errors:ratio_rate${window}`;
}

/** Labelled predictions per prediction over 1 h: how much of the traffic the accuracy speaks for. */
export const FEEDBACK_COVERAGE_RECORD = 'namespace_app:model_feedback_coverage:ratio_rate1h';

export const ACCURACY_OBJECTIVE_RECORD = 'app:model_accuracy_objective:ratio';

const BY = 'sum by (namespace, app)';

function labelled(appName: string, window: string): string {
  return `${BY} (rate(${METRICS.modelFeedbackLabelledTotal.name}{${app(appName)}}[${window}]))`;
}

function correct(appName: string, window: string): string {
  return `${BY} (rate(${METRICS.modelFeedbackCorrectTotal.name}{${app(appName)}}[${window}]))`;
}

export function modelQualityRecordingGroup(opts: ResolvedRulesOptions): RuleGroup<RecordingRule> {
  const a = opts.appName;
  return {
    name: `${a}-model-quality.rules`,
    rules: [
      { record: ACCURACY_OBJECTIVE_RECORD, expr: `vector(${num(opts.accuracyObjective)})`, labels: { app: a } },
      // No labelled prediction in the window: 0/0 gives no sample, so accuracy is absent rather than 0 or 1.
      ...ACCURACY_WINDOWS.map((w) => ({ record: accuracyRecord(w), expr: `${correct(a, w)} / ${labelled(a, w)}` })),
      ...SLO_WINDOWS.map((w) => ({ record: labelledErrorRatioRecord(w), expr: `1 - ${correct(a, w)} / ${labelled(a, w)}` })),
      {
        record: FEEDBACK_COVERAGE_RECORD,
        expr: `${labelled(a, '1h')} / ${BY} (rate(${METRICS.modelPredictionsTotal.name}{${app(a)}}[1h]))`,
      },
    ],
  };
}

function driftAlert(opts: ResolvedRulesOptions, signal: (typeof DRIFT_SIGNAL_NAMES)[number]): AlertingRule {
  const threshold = num(opts.driftThresholds[signal]);
  const score = `${METRICS.modelDriftScore.name}{${app(opts.appName, `signal="${signal}"`, `statistic="${DRIFT_STATISTICS.psi}"`)}}`;
  return {
    alert: MODEL_QUALITY_ALERTS.drift,
    // Each pod scores its own window; the average over pods is the service's traffic.
    expr: `avg by (namespace, app, signal) (${score}) > ${threshold}`,
    for: opts.driftFor,
    labels: { severity: 'warning', signal },
    annotations: {
      summary: `${opts.appName}: the ${DRIFT_SIGNALS[signal].description} drifted from the training data (PSI above ${threshold})`,
      description:
        `The ${DRIFT_SIGNALS[signal].description} of the recent predictions in namespace {{ $labels.namespace }} has a PSI of ` +
        `{{ $value | printf "%.2f" }} against the model's reference profile (threshold ${threshold}) for ${opts.driftFor}. ` +
        'The traffic no longer looks like what the model was trained on: its accuracy there is unknown.',
      runbook_url: runbookLink(opts.runbookUrl, MODEL_QUALITY_ALERTS.drift),
    },
  };
}

function burnCondition(appName: string, budget: number, pairs: typeof PAGE_BURNS): string {
  return pairs
    .map(({ long, short, factor }) => {
      const threshold = num(factor * budget);
      return `(${labelledErrorRatioRecord(long)}{${app(appName)}} > ${threshold}` +
        ` and ${labelledErrorRatioRecord(short)}{${app(appName)}} > ${threshold})`;
    })
    .join(' or ');
}

export function modelQualityAlertingGroup(opts: ResolvedRulesOptions): RuleGroup<AlertingRule> {
  const a = opts.appName;
  const budget = Number((1 - opts.accuracyObjective).toPrecision(12));
  const objective = `${num(opts.accuracyObjective * 100)}%`;
  const describe = (pairs: typeof PAGE_BURNS): string => pairs.map((p) => `${p.long}/${p.short} windows at ${p.factor}x`).join(' or ');
  return {
    name: `${a}-model-quality.alerts`,
    rules: [
      ...DRIFT_SIGNAL_NAMES.map((signal) => driftAlert(opts, signal)),
      {
        alert: MODEL_QUALITY_ALERTS.driftUnavailable,
        expr: `max by (namespace, app, pod) (${METRICS.modelDriftReferenceAvailable.name}{${app(a)}}) == 0`,
        for: '1h',
        labels: { severity: 'warning' },
        annotations: {
          summary: `${a} cannot measure drift: its model file has no reference profile`,
          description:
            'Pod {{ $labels.pod }} in namespace {{ $labels.namespace }} serves a model file written before reference profiles ' +
            '(format 1), so no drift score exists. Retrain with the current trainer to get one.',
          runbook_url: runbookLink(opts.runbookUrl, MODEL_QUALITY_ALERTS.driftUnavailable),
        },
      },
      {
        alert: MODEL_QUALITY_ALERTS.accuracyBurnFast,
        expr: burnCondition(a, budget, PAGE_BURNS),
        for: '2m',
        labels: { severity: 'critical', slo: 'accuracy' },
        annotations: {
          summary: `${a} is burning its ${objective} accuracy error budget fast`,
          description:
            'Of the predictions labelled through POST /feedback in namespace {{ $labels.namespace }}, {{ $value | humanizePercentage }} ' +
            `were wrong (${describe(PAGE_BURNS)} of the ${num(budget * 100)}% budget): page.`,
          runbook_url: runbookLink(opts.runbookUrl, MODEL_QUALITY_ALERTS.accuracyBurnFast),
        },
      },
      {
        alert: MODEL_QUALITY_ALERTS.accuracyBurnSlow,
        expr: burnCondition(a, budget, TICKET_BURNS),
        for: '15m',
        labels: { severity: 'warning', slo: 'accuracy' },
        annotations: {
          summary: `${a} is slowly burning its ${objective} accuracy error budget`,
          description:
            'Of the predictions labelled through POST /feedback in namespace {{ $labels.namespace }}, {{ $value | humanizePercentage }} ' +
            `were wrong (${describe(TICKET_BURNS)} of the ${num(budget * 100)}% budget). Open a ticket.`,
          runbook_url: runbookLink(opts.runbookUrl, MODEL_QUALITY_ALERTS.accuracyBurnSlow),
        },
      },
    ],
  };
}
