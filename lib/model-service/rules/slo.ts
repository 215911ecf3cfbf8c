/**
 * Availability SLO of POST /predict with multi-window, multi-burn-rate alerts
 * (Google SRE workbook, "Alerting on SLOs", table 5-8):
 *
 *   page:   1h and 5m windows both burning >= 14.4x   (2 % of a 30-day budget in 1 h)
 *           6h and 30m windows both burning >= 6x     (5 % in 6 h)
 *   ticket: 1d and 2h windows both burning >= 3x      (10 % in 1 d)
 *           3d and 6h windows both burning >= 1x      (10 % in 3 d)
 *
 * The short window makes the alert stop soon after the burn stops. Error = a 5xx answer, so requests
 * shed with 503 under overload count against the SLO (the user got no answer); 4xx are the caller's
 * mistakes and do not.
 */
import { AlertingRule, RecordingRule, RuleGroup, num } from '../../prometheus/rule-types';
import { ResolvedRulesOptions } from './options';
import { PREDICT_ROUTE, SERVER_ERROR_STATUS, app, predictRequests } from './selectors';
import { runbookLink } from './runbook';

export const SLO_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;
export type SloWindow = (typeof SLO_WINDOWS)[number];

/** Recorded error ratio of POST /predict over one window, by namespace and app. */
export function errorRatioRecord(window: SloWindow): string {
  return `namespace_app:predict_errors:ratio_rate${window}`;
}

/**
 * The objective itself, recorded as a series (`vector(<objective>)` labelled with the app), so the
 * dashboard's burn-rate panel divides by the same number the alerts use instead of restating it.
 */
export const OBJECTIVE_RECORD = 'app:predict_availability_objective:ratio';

interface BurnWindowPair {
  readonly long: SloWindow;
  readonly short: SloWindow;
  readonly factor: number;
}

export const PAGE_BURNS: readonly BurnWindowPair[] = [
  { long: '1h', short: '5m', factor: 14.4 },
  { long: '6h', short: '30m', factor: 6 },
];
export const TICKET_BURNS: readonly BurnWindowPair[] = [
  { long: '1d', short: '2h', factor: 3 },
  { long: '3d', short: '6h', factor: 1 },
];

export const BURN_ALERTS = {
  fast: 'ModelServiceErrorBudgetBurnFast',
  slow: 'ModelServiceErrorBudgetBurnSlow',
} as const;

function errorRatio(appName: string, window: SloWindow): RecordingRule {
  const by = 'sum by (namespace, app)';
  const all = `${by} (rate(${predictRequests(appName)}[${window}]))`;
  const errors = `${by} (rate(${predictRequests(appName, `status_code=~"${SERVER_ERROR_STATUS}"`)}[${window}]))`;
  return {
    record: errorRatioRecord(window),
    // `or all * 0`: with no 5xx at all the error series does not exist; record 0 instead of nothing.
    expr: `(${errors} or ${all} * 0) / ${all}`,
  };
}

function burnCondition(appName: string, budget: number, pairs: readonly BurnWindowPair[]): string {
  return pairs
    .map(({ long, short, factor }) => {
      const threshold = num(factor * budget);
      return (
        `(${errorRatioRecord(long)}{${app(appName)}} > ${threshold}` +
        ` and ${errorRatioRecord(short)}{${app(appName)}} > ${threshold})`
      );
    })
    .join(' or ');
}

export function sloRecordingGroup(opts: ResolvedRulesOptions): RuleGroup<RecordingRule> {
  return {
    name: `${opts.appName}-slo-availability.rules`,
    rules: [
      { record: OBJECTIVE_RECORD, expr: `vector(${num(opts.availabilityObjective)})`, labels: { app: opts.appName } },
      ...SLO_WINDOWS.map((w) => errorRatio(opts.appName, w)),
    ],
  };
}

export function sloAlertingGroup(opts: ResolvedRulesOptions): RuleGroup<AlertingRule> {
  // 1 - 0.999 is 0.0010000000000000009 in floating point; round so the thresholds read as written.
  const budget = Number((1 - opts.availabilityObjective).toPrecision(12));
  const objective = `${num(opts.availabilityObjective * 100)}%`;
  const describe = (pairs: readonly BurnWindowPair[]): string =>
    pairs.map((p) => `${p.long}/${p.short} windows at ${p.factor}x`).join(' or ');
  return {
    name: `${opts.appName}-slo-availability.alerts`,
    rules: [
      {
        alert: BURN_ALERTS.fast,
        expr: burnCondition(opts.appName, budget, PAGE_BURNS),
        for: '2m',
        labels: { severity: 'critical', slo: 'availability' },
        annotations: {
          summary: `${opts.appName} is burning its ${objective} availability error budget fast`,
          description:
            `POST ${PREDICT_ROUTE} in namespace {{ $labels.namespace }} fails with 5xx at {{ $value | humanizePercentage }} ` +
            `(${describe(PAGE_BURNS)} of the ${num(budget * 100)}% budget). At this rate the 30-day budget is gone ` +
            'within days: page.',
          runbook_url: runbookLink(opts.runbookUrl, BURN_ALERTS.fast),
        },
      },
      {
        alert: BURN_ALERTS.slow,
        expr: burnCondition(opts.appName, budget, TICKET_BURNS),
        for: '15m',
        labels: { severity: 'warning', slo: 'availability' },
        annotations: {
          summary: `${opts.appName} is slowly burning its ${objective} availability error budget`,
          description:
            `POST ${PREDICT_ROUTE} in namespace {{ $labels.namespace }} fails with 5xx at {{ $value | humanizePercentage }} ` +
            `(${describe(TICKET_BURNS)} of the ${num(budget * 100)}% budget): the budget will run out before ` +
            'the 30 days are over. Open a ticket.',
          runbook_url: runbookLink(opts.runbookUrl, BURN_ALERTS.slow),
        },
      },
    ],
  };
}
