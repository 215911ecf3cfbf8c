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
 * The loaded model's version (the content hash the trainer writes) under each backend's name, so
 * that one pod's spans, logs and metrics can be split by model version during a rollout: a
 * resource attribute of every span, a field of every log line (Loki structured metadata) and the
 * `version` label of the `model_info` series (joined to any other series on namespace and pod).
 */
export const MODEL_VERSION = {
  resourceAttribute: 'ml.model.version',
  logField: 'model_version',
  infoLabel: 'version',
} as const;

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

// Shared with the drift signals below: the reference profile in the model file bins the training
// documents with these same bounds, so a histogram panel and a drift score read the same bins.
export const PROBABILITY_BUCKETS = [0.25, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1] as const;
export const RATIO_BUCKETS = [0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1] as const;
export const TOKEN_COUNT_BUCKETS = [0, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;

/**
 * What the service compares with the model's reference profile, one drift score per signal
 * (the `signal` label of model_drift_score). Numeric signals are binned by `buckets` (upper
 * bounds, `value <= bound`, plus one overflow bin); `class_mix` has one bin per class.
 */
export const DRIFT_SIGNALS = {
  /** Share of predictions per predicted class. */
  class_mix: { description: 'predicted class mix' },
  /** Probability of the predicted class. */
  confidence: { description: 'top-class confidence', buckets: PROBABILITY_BUCKETS },
  /** Document length in tokens. */
  document_tokens: { description: 'document length (tokens)', buckets: TOKEN_COUNT_BUCKETS },
  /** Share of a document's tokens that are not in the vocabulary. */
  oov_ratio: { description: 'out-of-vocabulary ratio', buckets: RATIO_BUCKETS },
  /** Share of a document's tokens that are among the model's most informative terms (see reference profile). */
  informative_mass: { description: 'mass of the most informative terms', buckets: RATIO_BUCKETS },
} as const satisfies Record<string, { readonly description: string; readonly buckets?: readonly number[] }>;
export type DriftSignal = keyof typeof DRIFT_SIGNALS;
export const DRIFT_SIGNAL_NAMES = Object.keys(DRIFT_SIGNALS) as DriftSignal[];

/**
 * PSI above which the synthesizer's ModelServiceDrift alert fires for a signal (its default; the
 * rules take others as options), also marked by `npm run demo:drift`. 0.1 and 0.25 are the classic PSI bands
 * ("moderate" and "significant" shift; Siddiqi, Credit Risk Scorecards, 2006). The class mix uses
 * the lower band: in-domain traffic scores ~0.001 and a quarter of foreign documents ~0.04, half
 * ~0.14. `oov_ratio` and `informative_mass` sit above the band because the 20 Newsgroups test
 * split, in-domain but posted later than the training split, already scores up to 0.31 and 0.25
 * on them against the training profile (windows of 300-1000 documents); a quarter of documents
 * from other newsgroups takes them to ~0.56 and ~0.36 (docs/classifier.md, "Drift").
 */
export const DEFAULT_DRIFT_PSI_THRESHOLDS: Readonly<Record<DriftSignal, number>> = {
  class_mix: 0.1,
  confidence: 0.25,
  document_tokens: 0.25,
  oov_ratio: 0.5,
  informative_mass: 0.35,
};

/** Statistics computed per signal (the `statistic` label of model_drift_score). */
export const DRIFT_STATISTICS = {
  /** Population Stability Index, natural log, empty bins floored at DRIFT_PROPORTION_FLOOR. */
  psi: 'psi',
  /** Jensen–Shannon distance (square root of the divergence, base-2 logs): 0 = same, 1 = disjoint. */
  jsDistance: 'js_distance',
} as const;
export type DriftStatistic = (typeof DRIFT_STATISTICS)[keyof typeof DRIFT_STATISTICS];

/** Smallest bin share PSI uses (a share of 0 would make ln(p/q) infinite); a common choice in PSI tooling. */
export const DRIFT_PROPORTION_FLOOR = 1e-4;

/** `source` label values of model_class_share. */
export const CLASS_SHARE_SOURCES = {
  /** Predicted classes in the current drift window. */
  window: 'window',
  /** Predicted classes of the reference profile (out-of-fold predictions on the training split). */
  referencePredictions: 'reference_predictions',
  /** True labels of the training split. */
  referenceLabels: 'reference_labels',
} as const;

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
  // --- model quality: drift against the reference profile, and ground truth from POST /feedback ---
  modelDriftScore: {
    name: 'model_drift_score',
    type: 'gauge',
    help: 'Drift of the recent predictions (the sliding window) from the model\'s reference profile, by signal and statistic (psi, js_distance). Absent while the window is smaller than driftMinPredictions or the model has no reference profile.',
    labelNames: ['signal', 'statistic'],
  },
  modelDriftWindowPredictions: {
    name: 'model_drift_window_predictions',
    type: 'gauge',
    help: 'Predictions in the sliding window the drift scores are computed over.',
    labelNames: [],
  },
  modelDriftReferenceAvailable: {
    name: 'model_drift_reference_available',
    type: 'gauge',
    help: '1 when the loaded model carries a reference profile (drift is computed), 0 when it does not (drift unavailable, not zero).',
    labelNames: [],
  },
  modelClassShare: {
    name: 'model_class_share',
    type: 'gauge',
    help: 'Share of each class: predicted in the drift window (source=window), or in the reference profile (reference_predictions, reference_labels).',
    labelNames: ['class', 'source'],
  },
  modelFeedbackLabelledTotal: {
    name: 'model_feedback_labelled_total',
    type: 'counter',
    help: 'Predictions that received their true label through POST /feedback, by true and predicted class (a confusion matrix).',
    labelNames: ['true_class', 'predicted_class'],
  },
  modelFeedbackCorrectTotal: {
    name: 'model_feedback_correct_total',
    type: 'counter',
    help: 'Labelled predictions whose predicted class was the true one, by class.',
    labelNames: ['class'],
  },
  modelFeedbackRejectedTotal: {
    name: 'model_feedback_rejected_total',
    type: 'counter',
    help: 'Feedback items not counted, by reason (unknown_prediction, duplicate, invalid).',
    labelNames: ['reason'],
  },
  modelPredictionStoreEntries: {
    name: 'model_prediction_store_entries',
    type: 'gauge',
    help: 'Predictions remembered for feedback.',
    labelNames: [],
  },
  modelPredictionStoreEvictionsTotal: {
    name: 'model_prediction_store_evictions_total',
    type: 'counter',
    help: 'Predictions forgotten before feedback could match them, by reason (ttl, capacity).',
    labelNames: ['reason'],
  },
  // --- the service's own span export (RetryingSpanExporter) ---
  traceExportBufferedSpans: {
    name: 'trace_export_buffered_spans',
    type: 'gauge',
    help: 'Finished spans held for export to the OTLP endpoint (waiting, or being sent): they pile up while the endpoint is away, up to TRACES_RETRY_BUFFER_SPANS.',
    labelNames: [],
  },
  traceExportDroppedSpansTotal: {
    name: 'trace_export_dropped_spans_total',
    type: 'counter',
    help: 'Spans the service gave up exporting, by reason (buffer_full, rejected: the endpoint refused the batch for good, shutdown: unsent when shutdown\'s bound ran out).',
    labelNames: ['reason'],
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
