/**
 * promtool unit tests (`promtool test rules`) for the generated rules, built in TypeScript from the same
 * catalogue and alert names as the rules so a renamed metric cannot leave a stale test behind.
 *
 * Every alert gets at least one case where a synthetic series makes it FIRE and one where a healthy
 * series keeps it SILENT. Series are sampled every minute (`interval: 1m`); `a+bxn` is promtool's
 * expanding notation (start a, add b per sample, n samples).
 */
import { DEFAULT_PROCESS_METRICS, DRIFT_SIGNAL_NAMES, METRICS, ROUTES } from 'model-service/contract';
import { BURN_ALERTS, DEFAULT_DRIFT_PSI_THRESHOLDS, GOLDEN_SIGNAL_ALERTS, MODEL_QUALITY_ALERTS } from '../../../lib/model-service/rules';
import {
  ACCURACY_OBJECTIVE_RECORD, ACCURACY_WINDOWS, FEEDBACK_COVERAGE_RECORD, accuracyRecord,
} from '../../../lib/model-service/rules/model-quality';
import { OBJECTIVE_RECORD, SLO_WINDOWS, errorRatioRecord } from '../../../lib/model-service/rules/slo';
import { PREDICT_ROUTE } from '../../../lib/model-service/rules/selectors';

export const APP = 'model-service';
const NAMESPACE = 'ml';
const POD = 'model-service-7d9f8-abcde';
const MiB = 1024 * 1024;

interface InputSeries {
  readonly series: string;
  readonly values: string;
}
interface ExpectedAlert {
  readonly exp_labels: Record<string, string>;
  readonly exp_annotations?: Record<string, string>;
}
interface AlertRuleTest {
  readonly eval_time: string;
  readonly alertname: string;
  readonly exp_alerts: ExpectedAlert[];
}
interface PromqlExprTest {
  readonly expr: string;
  readonly eval_time: string;
  readonly exp_samples: { labels: string; value: number }[];
}
export interface PromtoolTestGroup {
  readonly name: string;
  readonly interval: string;
  readonly input_series: InputSeries[];
  readonly alert_rule_test?: AlertRuleTest[];
  readonly promql_expr_test?: PromqlExprTest[];
}

export interface RuleTestCase {
  readonly alert: string;
  /** fire: the alert must be active at eval_time with these labels; silent: no alert at eval_time. */
  readonly kind: 'fire' | 'silent';
  readonly group: PromtoolTestGroup & { readonly alert_rule_test: AlertRuleTest[] };
}

function labels(extra: Record<string, string> = {}): string {
  const all = { app: APP, namespace: NAMESPACE, pod: POD, ...extra };
  return Object.entries(all)
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ');
}

function series(metric: string, extra: Record<string, string> = {}): string {
  return `${metric}{${labels(extra)}}`;
}

/** Counter of answered requests growing by `perMinute` for `minutes` samples. */
function requests(status: string, perMinute: number, minutes: number, route: string = PREDICT_ROUTE): InputSeries {
  return {
    series: series(METRICS.httpRequestsTotal.name, { route, method: 'POST', status_code: status }),
    values: `0+${perMinute}x${minutes}`,
  };
}

/** Request traffic with a given share of 5xx on /predict, 1000 requests a minute. */
function traffic(errorShare: number, minutes: number): InputSeries[] {
  const errors = Math.round(1000 * errorShare);
  const out = [requests('200', 1000 - errors, minutes)];
  if (errors > 0) out.push(requests('500', errors, minutes));
  return out;
}

function gauge(metric: string, value: number, minutes: number, extra: Record<string, string> = {}): InputSeries {
  return { series: series(metric, extra), values: `${value}x${minutes}` };
}

/**
 * Request-duration histogram with every request in the bucket ending at `le` (cumulative buckets:
 * the ones below stay 0, the ones from `le` up grow).
 */
function latencyHistogram(le: number, minutes: number): InputSeries[] {
  const bounds = [...METRICS.httpRequestDurationSeconds.buckets.map(String), '+Inf'];
  return bounds.map((bound) => ({
    series: `${METRICS.httpRequestDurationSeconds.name}_bucket{${labels({
      route: PREDICT_ROUTE,
      method: 'POST',
      status_code: '200',
      le: bound,
    })}}`,
    values: bound !== '+Inf' && Number(bound) < le ? `0x${minutes}` : `0+600x${minutes}`,
  }));
}

function group(name: string, inputs: InputSeries[], tests: AlertRuleTest[]): RuleTestCase['group'] {
  return { name, interval: '1m', input_series: inputs, alert_rule_test: tests };
}

const appLabels = (severity: string, extra: Record<string, string> = {}) => ({
  severity,
  app: APP,
  namespace: NAMESPACE,
  ...extra,
});
const podLabels = (severity: string) => appLabels(severity, { pod: POD });

function fire(alert: string, name: string, inputs: InputSeries[], at: string, expected: Record<string, string>): RuleTestCase {
  return { alert, kind: 'fire', group: group(name, inputs, [{ eval_time: at, alertname: alert, exp_alerts: [{ exp_labels: expected }] }]) };
}

function silent(alert: string, name: string, inputs: InputSeries[], at: string): RuleTestCase {
  return { alert, kind: 'silent', group: group(name, inputs, [{ eval_time: at, alertname: alert, exp_alerts: [] }]) };
}

const A = GOLDEN_SIGNAL_ALERTS;
const rss = DEFAULT_PROCESS_METRICS.residentMemoryBytes;
const KSM_LIMIT = 'kube_pod_container_resource_limits';
/** kube-state-metrics series have no `app` label: it is scraped as itself, honouring the pod's labels. */
function ksmMemoryLimit(bytes: number, minutes: number): InputSeries {
  return {
    series: `${KSM_LIMIT}{namespace="${NAMESPACE}", pod="${POD}", container="model-service", resource="memory", unit="byte"}`,
    values: `${bytes}x${minutes}`,
  };
}

/** A PSI drift score of one signal, `value` for `minutes` samples (then `after`, if given, for as long). */
function driftScore(signal: string, value: number, minutes: number, after?: number): InputSeries {
  const values = after === undefined ? `${value}x${minutes}` : `${value}x${minutes} ${after}x${minutes}`;
  return { series: series(METRICS.modelDriftScore.name, { signal, statistic: 'psi' }), values };
}

/**
 * Feedback counters with `labelledPerMinute` labelled predictions a minute of which `accuracy` were right
 * (all of class rec.autos; the wrong ones predicted rec.motorcycles), and 4x as many predictions.
 */
function feedback(accuracy: number, labelledPerMinute: number, minutes: number): InputSeries[] {
  const right = Math.round(labelledPerMinute * accuracy);
  const wrong = labelledPerMinute - right;
  return [
    { series: series(METRICS.modelFeedbackLabelledTotal.name, { true_class: 'rec.autos', predicted_class: 'rec.autos' }), values: `0+${right}x${minutes}` },
    { series: series(METRICS.modelFeedbackLabelledTotal.name, { true_class: 'rec.autos', predicted_class: 'rec.motorcycles' }), values: `0+${wrong}x${minutes}` },
    { series: series(METRICS.modelFeedbackCorrectTotal.name, { class: 'rec.autos' }), values: `0+${right}x${minutes}` },
    { series: series(METRICS.modelFeedbackCorrectTotal.name, { class: 'rec.motorcycles' }), values: `0x${minutes}` },
    { series: series(METRICS.modelPredictionsTotal.name, { class: 'rec.autos' }), values: `0+${labelledPerMinute * 4}x${minutes}` },
  ];
}

const Q = MODEL_QUALITY_ALERTS;

/** Drift: per signal, twice its threshold for 30 min fires; 0.8 of it (in-domain traffic's level) and a 10-minute burst do not. */
function driftCases(): RuleTestCase[] {
  return DRIFT_SIGNAL_NAMES.flatMap((signal) => {
    const threshold = DEFAULT_DRIFT_PSI_THRESHOLDS[signal];
    return [
      fire(Q.drift, `${signal} PSI at twice its threshold`, [driftScore(signal, 2 * threshold, 30)], '20m', appLabels('warning', { signal })),
      silent(Q.drift, `${signal} PSI at 0.8 of its threshold`, [driftScore(signal, 0.8 * threshold, 30)], '20m'),
      silent(Q.drift, `${signal} PSI over its threshold for 10 minutes only`, [driftScore(signal, 2 * threshold, 10, 0.5 * threshold)], '18m'),
    ];
  });
}

export function ruleTestCases(): RuleTestCase[] {
  return [
    // --- model quality: drift per signal, drift unavailable, accuracy SLO (objective 95 %: budget 5 %).
    ...driftCases(),
    fire(Q.driftUnavailable, 'model without a reference profile', [gauge(METRICS.modelDriftReferenceAvailable.name, 0, 90)], '80m', podLabels('warning')),
    silent(Q.driftUnavailable, 'model with a reference profile', [gauge(METRICS.modelDriftReferenceAvailable.name, 1, 90)], '80m'),
    // Page: 14.4 x 5 % = 72 % of labelled predictions wrong over 1h and 5m.
    fire(Q.accuracyBurnFast, '20% of labelled predictions right', feedback(0.2, 100, 40), '30m', appLabels('critical', { slo: 'accuracy' })),
    silent(Q.accuracyBurnFast, '96% right (the test split\'s accuracy)', feedback(0.96, 100, 40), '30m'),
    // Ticket: 3 x 5 % = 15 % wrong over 1d and 2h. 80 % right: a ticket, not a page.
    fire(Q.accuracyBurnSlow, '80% of labelled predictions right', feedback(0.8, 100, 200), '3h', appLabels('warning', { slo: 'accuracy' })),
    silent(Q.accuracyBurnFast, '80% right does not page', feedback(0.8, 100, 200), '3h'),
    silent(Q.accuracyBurnSlow, '96% right', feedback(0.96, 100, 200), '3h'),
    silent(Q.accuracyBurnSlow, 'no feedback at all', [gauge(METRICS.modelDriftReferenceAvailable.name, 1, 200)], '3h'),

    // --- error ratio over every route: 10 % 5xx fires, 1 % does not.
    fire(A.highErrorRatio, '10% of requests fail', traffic(0.1, 30), '15m', appLabels('warning')),
    silent(A.highErrorRatio, '1% of requests fail', traffic(0.01, 30), '15m'),

    // --- p99 latency of /predict: everything in the 1 s bucket fires; everything under 5 ms does not.
    fire(A.highLatency, 'requests take up to 1s', latencyHistogram(1, 30), '20m', appLabels('warning')),
    silent(A.highLatency, 'requests take under 5ms', latencyHistogram(0.005, 30), '20m'),

    // --- event loop.
    fire(A.eventLoopLag, 'event loop lags 500ms', [gauge(DEFAULT_PROCESS_METRICS.eventLoopLagP99Seconds, 0.5, 30)], '10m', podLabels('warning')),
    silent(A.eventLoopLag, 'event loop lags 10ms', [gauge(DEFAULT_PROCESS_METRICS.eventLoopLagP99Seconds, 0.01, 30)], '10m'),
    fire(A.eventLoopSaturated, 'event loop busy 95%', [gauge(METRICS.eventLoopUtilization.name, 0.95, 30)], '20m', podLabels('warning')),
    silent(A.eventLoopSaturated, 'event loop busy 50%', [gauge(METRICS.eventLoopUtilization.name, 0.5, 30)], '20m'),

    // --- memory: against the kube-state-metrics limit when there is one, else the fallback (512 MiB).
    fire(A.memoryNearLimit, 'RSS 480 MiB of a 500 MiB limit', [gauge(rss, 480 * MiB, 30), ksmMemoryLimit(500 * MiB, 30)], '20m', podLabels('warning')),
    fire(A.memoryNearLimit, 'RSS 500 MiB, no limit known, fallback 512 MiB', [gauge(rss, 500 * MiB, 30)], '20m', podLabels('warning')),
    // 480 MiB would be 94 % of the fallback: the real 1 GiB limit must win.
    silent(A.memoryNearLimit, 'RSS 480 MiB of a 1 GiB limit', [gauge(rss, 480 * MiB, 30), ksmMemoryLimit(1024 * MiB, 30)], '20m'),
    silent(A.memoryNearLimit, 'RSS 100 MiB, no limit known', [gauge(rss, 100 * MiB, 30)], '20m'),

    // --- scrape health.
    fire(A.targetDown, 'scrape fails', [gauge('up', 0, 10)], '5m', podLabels('warning')),
    silent(A.targetDown, 'scrape works', [gauge('up', 1, 10)], '5m'),
    fire(
      A.targetMissing,
      'no target of the app, another app is scraped',
      [{ series: 'up{app="other", namespace="ml", pod="other-1"}', values: '1x10' }],
      '10m',
      { severity: 'critical', app: APP },
    ),
    silent(A.targetMissing, 'the app is scraped', [gauge('up', 1, 10)], '10m'),
    fire(A.metricsMissing, 'scraped but no model_info', [gauge('up', 1, 10)], '10m', podLabels('warning')),
    silent(A.metricsMissing, 'scraped and model_info present', [gauge('up', 1, 10), gauge(METRICS.modelInfo.name, 1, 10, { version: '1', trainer: 'softmax', classes: '20' })], '10m'),

    // --- availability SLO (99.9 %: budget 0.1 %), page: 14.4x over 1h+5m or 6x over 6h+30m.
    fire(BURN_ALERTS.fast, '2% of /predict fails (20x burn)', traffic(0.02, 40), '30m', appLabels('critical', { slo: 'availability' })),
    silent(BURN_ALERTS.fast, '0.05% of /predict fails (half the budget)', traffic(0.05 / 100, 40), '30m'),
    // A burst that has stopped: the 1h window still burns at 10x, the 5m window is clean, so no page.
    silent(
      BURN_ALERTS.fast,
      '20% failures for 20 minutes, then none for 40',
      [
        { series: series(METRICS.httpRequestsTotal.name, { route: PREDICT_ROUTE, method: 'POST', status_code: '200' }), values: '0+800x20 16000+1000x40' },
        { series: series(METRICS.httpRequestsTotal.name, { route: PREDICT_ROUTE, method: 'POST', status_code: '500' }), values: '0+200x20 4000+0x40' },
      ],
      '60m',
    ),
    // ticket: 3x over 1d+2h or 1x over 3d+6h. 0.5 % is 5x: too slow to page, fast enough to ticket.
    fire(BURN_ALERTS.slow, '0.5% of /predict fails (5x burn)', traffic(0.005, 200), '3h', appLabels('warning', { slo: 'availability' })),
    silent(BURN_ALERTS.fast, '0.5% of /predict fails (5x burn) does not page', traffic(0.005, 200), '3h'),
    silent(BURN_ALERTS.slow, '0.05% of /predict fails', traffic(0.05 / 100, 200), '3h'),
    // 4xx are the caller's fault: 20 % 400s burn nothing.
    silent(BURN_ALERTS.fast, '20% of /predict answered 400', [requests('200', 800, 40), requests('400', 200, 40)], '30m'),
  ];
}

/**
 * The SLO recording rules' values: every window records the 5xx share of /predict (2 % here), a healthy
 * service records 0 rather than nothing, 4xx and other routes do not count, and the objective is recorded.
 */
export function recordingRuleTests(): PromtoolTestGroup[] {
  // promtool compares values exactly, and windows differ in the last bit of the ratio: compare in parts
  // per million, rounded (arithmetic also drops the metric name from the labels).
  const recorded = (window: (typeof SLO_WINDOWS)[number]) => `round(1e6 * ${errorRatioRecord(window)}{app="${APP}"})`;
  const sample = (ratio: number) => [{ labels: `{app="${APP}", namespace="${NAMESPACE}"}`, value: Math.round(ratio * 1e6) }];
  return [
    {
      name: 'recording: 2% of /predict fails, plus 4xx and probe traffic that must not count',
      interval: '1m',
      input_series: [
        ...traffic(0.02, 300),
        requests('400', 500, 300),
        requests('500', 100, 300, ROUTES.health),
      ],
      promql_expr_test: [
        // A minute on /predict: 980 answered, 20 failed, 500 rejected as the caller's fault (4xx count as
        // answered: the service did its job): 20 / 1500. The 3d window extrapolates over the 4 h of data.
        ...SLO_WINDOWS.map((w) => ({ expr: recorded(w), eval_time: '4h', exp_samples: sample(20 / 1500) })),
        { expr: OBJECTIVE_RECORD, eval_time: '10m', exp_samples: [{ labels: `${OBJECTIVE_RECORD}{app="${APP}"}`, value: 0.999 }] },
      ],
    },
    {
      name: 'recording: accuracy over 1h and 1d, feedback coverage and the accuracy objective',
      interval: '1m',
      input_series: feedback(0.9, 100, 300),
      promql_expr_test: [
        ...ACCURACY_WINDOWS.map((w) => ({
          expr: `round(1e6 * ${accuracyRecord(w)}{app="${APP}"})`,
          eval_time: '4h',
          exp_samples: [{ labels: `{app="${APP}", namespace="${NAMESPACE}"}`, value: 900_000 }],
        })),
        // 100 labelled of 400 predictions a minute.
        { expr: `round(1e6 * ${FEEDBACK_COVERAGE_RECORD}{app="${APP}"})`, eval_time: '4h', exp_samples: [{ labels: `{app="${APP}", namespace="${NAMESPACE}"}`, value: 250_000 }] },
        { expr: ACCURACY_OBJECTIVE_RECORD, eval_time: '10m', exp_samples: [{ labels: `${ACCURACY_OBJECTIVE_RECORD}{app="${APP}"}`, value: 0.95 }] },
      ],
    },
    {
      name: 'recording: no feedback records no accuracy (not 0, not 1)',
      interval: '1m',
      input_series: [gauge(METRICS.modelDriftReferenceAvailable.name, 1, 30)],
      promql_expr_test: [{ expr: `${accuracyRecord('1h')}{app="${APP}"}`, eval_time: '20m', exp_samples: [] }],
    },
    {
      name: 'recording: no failures records 0, not nothing',
      interval: '1m',
      input_series: traffic(0, 30),
      promql_expr_test: [{ expr: recorded('5m'), eval_time: '20m', exp_samples: sample(0) }],
    },
  ];
}

/** The promtool test file for the given rule files. */
export function promtoolTestFile(
  ruleFiles: readonly string[],
  cases: readonly RuleTestCase[],
  extraGroups: readonly PromtoolTestGroup[] = [],
): Record<string, unknown> {
  return {
    rule_files: ruleFiles,
    evaluation_interval: '1m',
    tests: [...cases.map((c) => c.group), ...extraGroups],
  };
}
