/**
 * The model service's metric catalogue: the single source of truth for every
 * metric name, label and bucket layout the service exports.
 *
 * The service registers its prom-client metrics from these definitions, and the
 * synthesizer (root package, `lib/`) imports this same module to generate the
 * Grafana dashboard and the Prometheus alerting/recording rules, so dashboards
 * and alerts cannot drift from what the service actually exports.
 *
 * Keep this module free of runtime dependencies (no prom-client import): it is
 * loaded by `cdk8s synth` too.
 */

/** One spelling of the trace id everywhere: log field, exemplar label, Grafana links. */
export const TRACE_ID_LABEL = 'trace_id';

/**
 * The request-completion log line carries `trace=<32 hex chars>` so that Grafana's
 * Loki derived field (regex below) can link the line to its Tempo trace.
 */
export const LOG_TRACE_TOKEN = 'trace';

/** The Loki derived-field regex the synthesizer provisions; must match the service's completion lines. */
export const LOKI_TRACE_ID_REGEX = '(?:trace)=(\\w+)';

/** Route label value for requests that matched no route (keeps label cardinality bounded). */
export const UNMATCHED_ROUTE = 'unmatched';

/** Stages of one inference, as the `stage` label of the inference-duration histogram and as span names. */
export const INFERENCE_STAGES = ['tokenize', 'tfidf', 'predict'] as const;
export type InferenceStage = (typeof INFERENCE_STAGES)[number];

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricDefinition {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly labelNames: readonly string[];
  /** Histogram bucket upper bounds (only for histograms). */
  readonly buckets?: readonly number[];
}

// Latency buckets: 0.5 ms .. 10 s. The service answers in well under a millisecond,
// so the low end is finer than prom-client's defaults (which start at 5 ms).
const HTTP_DURATION_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

// One inference stage takes microseconds; 1 µs .. 100 ms.
const STAGE_DURATION_BUCKETS = [
  0.000001, 0.0000025, 0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001,
  0.0025, 0.005, 0.01, 0.1,
] as const;

const PROBABILITY_BUCKETS = [0.25, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1] as const;
const RATIO_BUCKETS = [0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1] as const;
const TOKEN_COUNT_BUCKETS = [0, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;

/** Every metric the service defines itself (prom-client default metrics are listed below). */
export const METRICS = {
  // --- golden signals: traffic, errors, latency, saturation ---
  httpRequestsTotal: {
    name: 'http_requests_total',
    type: 'counter',
    help: 'HTTP requests answered, by route, method and status code.',
    labelNames: ['route', 'method', 'status_code'],
  },
  httpRequestDurationSeconds: {
    name: 'http_request_duration_seconds',
    type: 'histogram',
    help: 'HTTP request duration in seconds, by route, method and status code (exemplars carry trace_id).',
    labelNames: ['route', 'method', 'status_code'],
    buckets: HTTP_DURATION_BUCKETS,
  },
  httpRequestsInFlight: {
    name: 'http_requests_in_flight',
    type: 'gauge',
    help: 'HTTP requests currently being handled.',
    labelNames: [],
  },
  httpRequestsShedTotal: {
    name: 'http_requests_shed_total',
    type: 'counter',
    help: 'Requests refused with 503 because the service was overloaded, by reason.',
    labelNames: ['reason'],
  },
  eventLoopUtilization: {
    name: 'nodejs_eventloop_utilization_ratio',
    type: 'gauge',
    help: 'Share of time the event loop was busy since the previous scrape (0..1).',
    labelNames: [],
  },
  // --- model ---
  modelInferenceDurationSeconds: {
    name: 'model_inference_duration_seconds',
    type: 'histogram',
    help: 'Time spent in one inference stage (tokenize, tfidf, predict), in seconds.',
    labelNames: ['stage'],
    buckets: STAGE_DURATION_BUCKETS,
  },
  modelPredictionsTotal: {
    name: 'model_predictions_total',
    type: 'counter',
    help: 'Predictions made, by predicted class.',
    labelNames: ['class'],
  },
  modelPredictionConfidence: {
    name: 'model_prediction_confidence',
    type: 'histogram',
    help: 'Probability of the predicted class.',
    labelNames: [],
    buckets: PROBABILITY_BUCKETS,
  },
  modelDocumentTokens: {
    name: 'model_document_tokens',
    type: 'histogram',
    help: 'Length of the documents classified, in tokens.',
    labelNames: [],
    buckets: TOKEN_COUNT_BUCKETS,
  },
  modelOutOfVocabularyRatio: {
    name: 'model_out_of_vocabulary_ratio',
    type: 'histogram',
    help: 'Share of a document\'s tokens that are not in the model vocabulary (drift signal).',
    labelNames: [],
    buckets: RATIO_BUCKETS,
  },
  modelInfo: {
    name: 'model_info',
    type: 'gauge',
    help: 'Always 1; labels describe the loaded model.',
    labelNames: ['version', 'trainer', 'classes'],
  },
} as const satisfies Record<string, MetricDefinition>;

export type MetricKey = keyof typeof METRICS;

/**
 * prom-client default metrics the dashboard and alerts rely on
 * (registered with `collectDefaultMetrics`, no prefix).
 */
export const DEFAULT_PROCESS_METRICS = {
  cpuSecondsTotal: 'process_cpu_seconds_total',
  residentMemoryBytes: 'process_resident_memory_bytes',
  heapUsedBytes: 'nodejs_heap_size_used_bytes',
  eventLoopLagP99Seconds: 'nodejs_eventloop_lag_p99_seconds',
} as const;
