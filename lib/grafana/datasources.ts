/**
 * Grafana datasources for Prometheus, Loki and Tempo, provisioned with fixed UIDs and
 * wired to each other so a user can go metric -> trace -> logs without configuring anything:
 *
 *   Prometheus exemplar (label `trace_id`) --> Tempo trace
 *   Loki log line (`trace=<id>`, derived field `trace`) --> Tempo trace
 *   Tempo span --> Loki lines of the same trace id and pod (traces to logs)
 *   Tempo span --> Prometheus request rate / latency of the same service (traces to metrics)
 *
 * The entries go into the grafana chart's `datasources: { 'datasources.yaml': { apiVersion: 1, datasources } }`.
 * Each profile gets the jsonData keys its Grafana reads:
 *  - reference (grafana-6.50.8, Grafana 9.3): `tracesToLogs` (v1), with `tracesToLogsV2` alongside (ignored by 9.3);
 *    Loki lines link to Tempo through a regex on the line;
 *  - current (grafana-12.x, Grafana 13): `tracesToLogsV2` with a query on Loki's structured metadata, and a
 *    derived field that matches the `trace_id` structured metadata (matcherType `label`), not the line.
 */
import type { StackProfile } from '../profiles';
import {
  LOKI_TRACE_ID_REGEX,
  METRICS,
  TRACE_ID_LABEL,
} from 'model-service/contract';

export const DATASOURCE_UIDS = { prometheus: 'prometheus', loki: 'loki', tempo: 'tempo' } as const;

export interface DatasourceEndpoints {
  readonly prometheusUrl: string;
  readonly lokiUrl: string;
  readonly tempoUrl: string;
}

/** One entry of Grafana's datasource provisioning file (only the fields we set). */
export interface GrafanaDatasource {
  readonly name: string;
  readonly type: 'prometheus' | 'loki' | 'tempo';
  readonly uid: string;
  readonly access: 'proxy';
  readonly url: string;
  readonly isDefault: boolean;
  /** Provisioned datasources are code: edits in the UI would be lost on the next restart, so forbid them. */
  readonly editable: false;
  readonly jsonData: Readonly<Record<string, unknown>>;
}

/**
 * Grafana expands `$VAR` / `${VAR}` from the environment in provisioning files, so a literal
 * `${__value.raw}` (Grafana's data-link variable) must be written `$${__value.raw}`.
 */
const VALUE_RAW = '$${__value.raw}';

/** Loki labels promtail 6.9.0 attaches to every pod log line (its default kubernetes-pods job), and Alloy (lib/alloy/config.ts) alike. */
const LOKI_POD_LABELS = { namespace: 'namespace', pod: 'pod', app: 'app' } as const;

/** OpenTelemetry resource attribute naming the service (OTEL_SERVICE_NAME = the app name). */
const SERVICE_NAME_ATTRIBUTE = 'service.name';

/** Span attributes -> Loki labels for traces -> logs. */
const LOGS_TAGS = [
  { key: SERVICE_NAME_ATTRIBUTE, value: LOKI_POD_LABELS.app },
  // Spans carry the namespace and pod as resource attributes `k8s.namespace.name` / `k8s.pod.name` when the
  // Deployment sets them (downward API into OTEL_RESOURCE_ATTRIBUTES); Loki calls them `namespace` / `pod`.
  // Grafana leaves out a mapped tag the span does not have.
  { key: 'k8s.namespace.name', value: LOKI_POD_LABELS.namespace },
  { key: 'k8s.pod.name', value: LOKI_POD_LABELS.pod },
];

function checkUrl(field: keyof DatasourceEndpoints, value: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new Error(
      `grafanaDatasources: ${field} "${value}" is not an absolute URL; pass e.g. "http://prometheus-server.monitoring.svc:80".`,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`grafanaDatasources: ${field} "${value}" must use http or https, not ${parsed.protocol}`);
  }
  return value;
}

/** A datasource as we provision them all: proxied, under its fixed uid, not editable in the UI. */
function provisioned(type: GrafanaDatasource['type'], url: string, jsonData: Readonly<Record<string, unknown>>, isDefault = false): GrafanaDatasource {
  const name = { prometheus: 'Prometheus', loki: 'Loki', tempo: 'Tempo' }[type];
  return { name, type, uid: DATASOURCE_UIDS[type], access: 'proxy', url, isDefault, editable: false, jsonData };
}

function prometheus(url: string): GrafanaDatasource {
  return provisioned('prometheus', url, {
    httpMethod: 'POST',
    // The model service is scraped every 2 s (job kubernetes-pods-every-2s): telling Grafana keeps
    // $__rate_interval at 4 scrapes instead of assuming Prometheus' 15 s default.
    timeInterval: '2s',
    // Exemplars on the request-duration histogram carry the trace id under this label.
    exemplarTraceIdDestinations: [{ name: TRACE_ID_LABEL, datasourceUid: DATASOURCE_UIDS.tempo }],
  }, true);
}

/** Grafana 13: the `trace_id` structured metadata the log collector attaches (lib/alloy) links to the trace. */
function lokiCurrent(url: string): GrafanaDatasource {
  return provisioned('loki', url, {
    maxLines: 1000,
    derivedFields: [
      {
        name: TRACE_ID_LABEL,
        // `label` matches a label or structured metadata field by name (Grafana 10.4+).
        matcherType: 'label',
        matcherRegex: TRACE_ID_LABEL,
        datasourceUid: DATASOURCE_UIDS.tempo,
        url: VALUE_RAW,
        urlDisplayLabel: 'Trace',
      },
    ],
  });
}

function loki(url: string): GrafanaDatasource {
  return provisioned('loki', url, {
    maxLines: 1000,
    derivedFields: [
      {
        // The service's completion line carries `trace=<id>`; the regex is the one the service is tested against.
        name: 'trace',
        matcherRegex: LOKI_TRACE_ID_REGEX,
        datasourceUid: DATASOURCE_UIDS.tempo,
        url: VALUE_RAW,
      },
    ],
  });
}

/** Tempo -> Prometheus queries for a span's pod (current profile). */
function tracesToMetrics() {
  const httpRequests = METRICS.httpRequestsTotal.name;
  const httpDurationBucket = `${METRICS.httpRequestDurationSeconds.name}_bucket`;
  return {
    datasourceUid: DATASOURCE_UIDS.prometheus,
    // Grafana maps span attributes to the Prometheus labels named here: the service name is `app`
    // (scrape relabelling), and the pod's namespace and name (from the service's resource and Alloy's
    // k8sattributes) are the `namespace` and `pod` target labels, so the queries select the span's pod.
    tags: [
      { key: SERVICE_NAME_ATTRIBUTE, value: 'app' },
      { key: 'k8s.namespace.name', value: 'namespace' },
      { key: 'k8s.pod.name', value: 'pod' },
    ],
    spanStartTimeShift: '-5m',
    spanEndTimeShift: '5m',
    queries: [
      { name: 'Request rate', query: `sum(rate(${httpRequests}{$$__tags}[1m]))` },
      {
        name: 'Request latency p99',
        query: `histogram_quantile(0.99, sum by (le) (rate(${httpDurationBucket}{$$__tags}[1m])))`,
      },
    ],
  };
}

/** Grafana 13: traces -> logs by structured metadata, traces -> metrics, service graph from Prometheus. */
function tempoCurrent(url: string): GrafanaDatasource {
  return provisioned('tempo', url, {
    tracesToLogsV2: {
      datasourceUid: DATASOURCE_UIDS.loki,
      tags: LOGS_TAGS,
      spanStartTimeShift: '-1m',
      spanEndTimeShift: '1m',
      // The span's pod/service streams, filtered on the trace id kept as structured metadata (no line scan).
      customQuery: true,
      query: `{$\${__tags}} | ${TRACE_ID_LABEL}="$\${__span.traceId}"`,
    },
    tracesToMetrics: tracesToMetrics(),
    // The service graph and span metrics Tempo's metrics-generator writes into Prometheus.
    serviceMap: { datasourceUid: DATASOURCE_UIDS.prometheus },
    nodeGraph: { enabled: true },
    search: { hide: false },
    traceQuery: { timeShiftEnabled: true, spanStartTimeShift: '-30m', spanEndTimeShift: '30m' },
    // Streamed over Tempo's HTTP port (Tempo.currentValues sets stream_over_http_enabled).
    streamingEnabled: { search: true, metrics: true },
  });
}

function tempo(url: string): GrafanaDatasource {
  const httpRequests = METRICS.httpRequestsTotal.name;
  const httpDurationBucket = `${METRICS.httpRequestDurationSeconds.name}_bucket`;
  // Grafana 9.3 maps a span's `service.name` to the Prometheus label named here; our series
  // carry the service name as `app` (scrape relabelling) so the queries below select `$__tags`.
  const metricsTags = [{ key: SERVICE_NAME_ATTRIBUTE, value: 'app' }];
  const logsTags = LOGS_TAGS;
  return provisioned('tempo', url, {
    httpMethod: 'GET',
    // Grafana 9.3: log lines of the span's service/pod in the span's time range, filtered by trace id.
    tracesToLogs: {
      datasourceUid: DATASOURCE_UIDS.loki,
      mappedTags: logsTags,
      mapTagNamesEnabled: true,
      spanStartTimeShift: '-1m',
      spanEndTimeShift: '1m',
      filterByTraceID: true,
      filterBySpanID: false,
    },
    // Grafana >= 10 reads this instead (same intent; kept so an upgraded Grafana keeps the link).
    tracesToLogsV2: {
      datasourceUid: DATASOURCE_UIDS.loki,
      tags: logsTags,
      spanStartTimeShift: '-1m',
      spanEndTimeShift: '1m',
      filterByTraceID: true,
      filterBySpanID: false,
    },
    tracesToMetrics: {
      datasourceUid: DATASOURCE_UIDS.prometheus,
      tags: metricsTags,
      spanStartTimeShift: '-5m',
      spanEndTimeShift: '5m',
      queries: [
        { name: 'Request rate', query: `sum(rate(${httpRequests}{$$__tags}[1m]))` },
        {
          name: 'Request latency p99',
          query: `histogram_quantile(0.99, sum by (le) (rate(${httpDurationBucket}{$$__tags}[1m])))`,
        },
      ],
    },
    // The service graph reads traces_service_graph_* from this Prometheus: Tempo's metrics-generator
    // writes them there (Tempo.remoteWriteMetricsTo, wired by the stack). Tempo 2.0 draws an edge only
    // for a client span and its server span from two services, so a caller must be traced too.
    serviceMap: { datasourceUid: DATASOURCE_UIDS.prometheus },
    nodeGraph: { enabled: true },
    search: { hide: false },
    lokiSearch: { datasourceUid: DATASOURCE_UIDS.loki },
  });
}

/** The three correlated datasources, Prometheus first (the default), in the shape the profile's Grafana reads. */
export function grafanaDatasources(endpoints: DatasourceEndpoints, profile: StackProfile = 'reference'): GrafanaDatasource[] {
  const lokiUrl = checkUrl('lokiUrl', endpoints.lokiUrl);
  const tempoUrl = checkUrl('tempoUrl', endpoints.tempoUrl);
  return [
    prometheus(checkUrl('prometheusUrl', endpoints.prometheusUrl)),
    profile === 'reference' ? loki(lokiUrl) : lokiCurrent(lokiUrl),
    profile === 'reference' ? tempo(tempoUrl) : tempoCurrent(tempoUrl),
  ];
}
