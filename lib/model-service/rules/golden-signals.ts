/**
 * Alerts on the golden signals (errors, latency, saturation) and on the scrape itself (target down,
 * target or metrics missing). Thresholds come from the options; names are the runbook's section headings.
 */
import { DEFAULT_PROCESS_METRICS, METRICS, ROUTES } from 'model-service/contract';
import { ResolvedRulesOptions } from './options';
import { runbookLink } from './runbook';
import { PREDICT_ROUTE, SERVER_ERROR_STATUS, app } from './selectors';
import { AlertingRule, AlertSeverity, RuleGroup, num } from '../../prometheus/rule-types';

export const GOLDEN_SIGNAL_ALERTS = {
  highErrorRatio: 'ModelServiceHighErrorRatio',
  highLatency: 'ModelServiceHighLatency',
  eventLoopLag: 'ModelServiceEventLoopLag',
  eventLoopSaturated: 'ModelServiceEventLoopSaturated',
  memoryNearLimit: 'ModelServiceMemoryNearLimit',
  targetDown: 'ModelServiceTargetDown',
  targetMissing: 'ModelServiceTargetMissing',
  metricsMissing: 'ModelServiceMetricsMissing',
} as const;

/** kube-state-metrics (on by default in the prometheus chart) reports each container's memory limit. */
const KSM_MEMORY_LIMIT = 'kube_pod_container_resource_limits{resource="memory"}';

function alert(
  opts: ResolvedRulesOptions,
  name: string,
  expr: string,
  forDuration: string,
  severity: AlertSeverity,
  summary: string,
  description: string,
): AlertingRule {
  return {
    alert: name,
    expr,
    for: forDuration,
    labels: { severity },
    annotations: { summary, description, runbook_url: runbookLink(opts.runbookUrl, name) },
  };
}

function highErrorRatio(opts: ResolvedRulesOptions): AlertingRule {
  const requests = METRICS.httpRequestsTotal.name;
  const sel = app(opts.appName);
  return alert(
    opts,
    GOLDEN_SIGNAL_ALERTS.highErrorRatio,
    `sum by (namespace, app) (rate(${requests}{${sel}, status_code=~"${SERVER_ERROR_STATUS}"}[5m]))` +
      ` / sum by (namespace, app) (rate(${requests}{${sel}}[5m])) > ${num(opts.errorRatioThreshold)}`,
    '5m',
    'warning',
    `${opts.appName} answers more than ${num(opts.errorRatioThreshold * 100)}% of requests with 5xx`,
    '{{ $value | humanizePercentage }} of the requests to {{ $labels.app }} in namespace {{ $labels.namespace }} ' +
      'failed with a 5xx status over the last 5 minutes.',
  );
}

function highLatency(opts: ResolvedRulesOptions): AlertingRule {
  const bucket = `${METRICS.httpRequestDurationSeconds.name}_bucket`;
  return alert(
    opts,
    GOLDEN_SIGNAL_ALERTS.highLatency,
    `histogram_quantile(0.99, sum by (le, namespace, app) (rate(${bucket}{${app(opts.appName, `route="${PREDICT_ROUTE}"`)}}[5m])))` +
      ` > ${num(opts.latencyP99ThresholdSeconds)}`,
    '10m',
    'warning',
    `${opts.appName} p99 latency of POST ${PREDICT_ROUTE} is above ${num(opts.latencyP99ThresholdSeconds)}s`,
    `The 99th percentile of POST ${PREDICT_ROUTE} in namespace {{ $labels.namespace }} has been ` +
      '{{ $value | humanizeDuration }} for 10 minutes.',
  );
}

function eventLoopLag(opts: ResolvedRulesOptions): AlertingRule {
  return alert(
    opts,
    GOLDEN_SIGNAL_ALERTS.eventLoopLag,
    `max by (namespace, app, pod) (${DEFAULT_PROCESS_METRICS.eventLoopLagP99Seconds}{${app(opts.appName)}})` +
      ` > ${num(opts.eventLoopLagThresholdSeconds)}`,
    '5m',
    'warning',
    `${opts.appName} event loop is lagging`,
    'The p99 event-loop lag of pod {{ $labels.pod }} ({{ $labels.namespace }}) is {{ $value | humanizeDuration }}: ' +
      'every request on that pod waits at least that long.',
  );
}

function eventLoopSaturated(opts: ResolvedRulesOptions): AlertingRule {
  return alert(
    opts,
    GOLDEN_SIGNAL_ALERTS.eventLoopSaturated,
    `avg_over_time(${METRICS.eventLoopUtilization.name}{${app(opts.appName)}}[5m]) > 0.9`,
    '10m',
    'warning',
    `${opts.appName} event loop is saturated`,
    'The event loop of pod {{ $labels.pod }} ({{ $labels.namespace }}) has been busy ' +
      '{{ $value | humanizePercentage }} of the time: the pod is at its throughput ceiling and will start shedding.',
  );
}

/**
 * RSS against the container's memory limit. The service does not know its limit, so the limit comes from
 * kube-state-metrics (`kube_pod_container_resource_limits`, joined on namespace and pod); a pod that
 * kube-state-metrics does not report is compared with `fallbackMemoryLimitBytes` instead, so the alert
 * still works with kube-state-metrics off. RSS is what the kernel charges to the cgroup for a Node process
 * (it has no page cache of note), so it is the number the OOM killer acts on.
 */
function memoryNearLimit(opts: ResolvedRulesOptions): AlertingRule {
  const rss = `max by (namespace, app, pod) (${DEFAULT_PROCESS_METRICS.residentMemoryBytes}{${app(opts.appName)}})`;
  const limit = `sum by (namespace, pod) (${KSM_MEMORY_LIMIT})`;
  const ratio = num(opts.memoryLimitRatio);
  return alert(
    opts,
    GOLDEN_SIGNAL_ALERTS.memoryNearLimit,
    `(${rss} / on (namespace, pod) group_left () ${limit}) > ${ratio}` +
      ` or (${rss} unless on (namespace, pod) ${KSM_MEMORY_LIMIT}) / ${opts.fallbackMemoryLimitBytes} > ${ratio}`,
    '15m',
    'warning',
    `${opts.appName} memory is near its limit`,
    'Pod {{ $labels.pod }} ({{ $labels.namespace }}) uses {{ $value | humanizePercentage }} of its memory limit; ' +
      'past 100% the kernel kills it (OOMKilled).',
  );
}

function targetDown(opts: ResolvedRulesOptions): AlertingRule {
  return alert(
    opts,
    GOLDEN_SIGNAL_ALERTS.targetDown,
    `up{${app(opts.appName)}} == 0`,
    '2m',
    'warning',
    `${opts.appName} pod cannot be scraped`,
    'Prometheus has failed to scrape pod {{ $labels.pod }} ({{ $labels.namespace }}) for 2 minutes: ' +
      `the pod is down, restarting, or ${ROUTES.metrics} does not answer.`,
  );
}

function targetMissing(opts: ResolvedRulesOptions): AlertingRule {
  return alert(
    opts,
    GOLDEN_SIGNAL_ALERTS.targetMissing,
    `absent(up{${app(opts.appName)}})`,
    '5m',
    'critical',
    `${opts.appName} has no scrape target at all`,
    `Prometheus has discovered no pod with app=${opts.appName} for 5 minutes: the Deployment is gone or scaled ` +
      'to zero, or its pods lost the scrape annotations. Nothing about the service is being observed.',
  );
}

function metricsMissing(opts: ResolvedRulesOptions): AlertingRule {
  return alert(
    opts,
    GOLDEN_SIGNAL_ALERTS.metricsMissing,
    // model_info is set once the model is loaded: a scraped pod without it is not serving the model.
    `up{${app(opts.appName)}} == 1 unless on (namespace, pod) ${METRICS.modelInfo.name}{${app(opts.appName)}}`,
    '5m',
    'warning',
    `${opts.appName} pod is scraped but exports no model metrics`,
    'Pod {{ $labels.pod }} ({{ $labels.namespace }}) answers the scrape but has not exported model_info for ' +
      '5 minutes: the model did not load, or the scrape reaches a different process.',
  );
}

export function goldenSignalAlertingGroup(opts: ResolvedRulesOptions): RuleGroup<AlertingRule> {
  return {
    name: `${opts.appName}-golden-signals.alerts`,
    rules: [
      highErrorRatio(opts),
      highLatency(opts),
      eventLoopLag(opts),
      eventLoopSaturated(opts),
      memoryNearLimit(opts),
      targetDown(opts),
      targetMissing(opts),
      metricsMissing(opts),
    ],
  };
}
