import { performance, EventLoopUtilization } from 'node:perf_hooks';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, RegistryContentType } from 'prom-client';
import { CounterSeries, HistogramSeries } from './series';
import { INFERENCE_STAGES, InferenceStage, METRICS, MetricDefinition, MetricKey, TRACE_ID_LABEL } from '../contract';
import { currentSpanBufferStatus, SPAN_DROP_REASONS } from '../tracing/span-buffer-status';

type MetricFor<K extends MetricKey> = (typeof METRICS)[K]['type'] extends 'counter'
  ? Counter<string>
  : (typeof METRICS)[K]['type'] extends 'gauge'
    ? Gauge<string>
    : Histogram<string>;

/** A registry that may be rendered in either exposition format. */
export type MetricsRegistry = Registry<RegistryContentType>;

/** One prom-client object per catalogue entry, all registered in `registry`. */
export type CatalogueMetrics = { readonly [K in MetricKey]: MetricFor<K> };

/** Metrics whose observations carry a `trace_id` exemplar (only meaningful on OpenMetrics scrapes). */
const EXEMPLAR_METRICS: ReadonlySet<MetricKey> = new Set<MetricKey>(['httpRequestDurationSeconds']);

/**
 * A fresh registry. It is an OpenMetrics registry because prom-client only keeps
 * exemplars on those; `renderMetrics` also renders it as classic Prometheus text.
 * One registry per app instance: registering a name twice in one registry throws.
 */
export function createRegistry(): MetricsRegistry {
  // prom-client's typings omit the constructor's content-type parameter.
  const OpenMetricsRegistry = Registry as unknown as new (contentType: RegistryContentType) => MetricsRegistry;
  return new OpenMetricsRegistry(Registry.OPENMETRICS_CONTENT_TYPE);
}

/** Registers every catalogue metric plus prom-client's default process metrics into `registry`. */
export function registerCatalogueMetrics(registry: MetricsRegistry): CatalogueMetrics {
  collectDefaultMetrics({ register: registry });
  const metrics: Record<string, unknown> = {};
  for (const [key, def] of Object.entries(METRICS) as [MetricKey, MetricDefinition][]) {
    metrics[key] = createMetric(key, def, registry);
  }
  const typed = metrics as CatalogueMetrics;
  trackEventLoopUtilization(typed.eventLoopUtilization);
  trackSpanExportBuffer(typed.traceExportBufferedSpans, typed.traceExportDroppedSpansTotal);
  return typed;
}

function createMetric(key: MetricKey, def: MetricDefinition, registry: MetricsRegistry): unknown {
  const common = { name: def.name, help: def.help, labelNames: [...def.labelNames], registers: [registry] };
  switch (def.type) {
    case 'counter':
      return new Counter(common);
    case 'gauge':
      return new Gauge(common);
    case 'histogram':
      return new Histogram({ ...common, buckets: [...(def.buckets ?? [])], enableExemplars: EXEMPLAR_METRICS.has(key) });
  }
}

/** Event-loop utilisation since the previous scrape (prom-client's default metrics only give lag). */
function trackEventLoopUtilization(gauge: Gauge<string>): void {
  let previous: EventLoopUtilization = performance.eventLoopUtilization();
  // prom-client calls `collect` on each scrape; a function keeps `this` bound to the gauge.
  (gauge as unknown as { collect: () => void }).collect = function collect(): void {
    const current = performance.eventLoopUtilization();
    gauge.set(performance.eventLoopUtilization(current, previous).utilization);
    previous = current;
  };
}

/**
 * The span export buffer's state, read on each scrape from what the preloaded tracing setup
 * published (span-buffer-status.ts): 0 buffered and no dropped series when nothing is exported.
 */
function trackSpanExportBuffer(buffered: Gauge<string>, dropped: Counter<string>): void {
  (buffered as unknown as { collect: () => void }).collect = function collect(): void {
    buffered.set(currentSpanBufferStatus()?.bufferedSpans ?? 0);
  };
  (dropped as unknown as { collect: () => void }).collect = function collect(): void {
    const status = currentSpanBufferStatus();
    if (status === undefined) return;
    // The exporter keeps the running totals; the counter shows them as they are.
    dropped.reset();
    for (const reason of SPAN_DROP_REASONS) dropped.inc({ reason }, status.droppedSpans[reason]);
  };
}

/**
 * Hot-path recording helpers: the per-request work the service does on every
 * response, kept in one place so its cost is easy to see and measure.
 */
export interface RequestObservation {
  readonly route: string;
  readonly method: string;
  readonly statusCode: number;
  readonly durationSeconds: number;
  /** Trace id of a sampled request, attached as an exemplar. */
  readonly traceId?: string;
}

export interface InferenceObservation {
  readonly stageSeconds: Readonly<Record<InferenceStage, number>>;
  readonly label: string;
  readonly confidence: number;
  readonly tokenCount: number;
  readonly outOfVocabularyCount: number;
}

export class ServiceMetrics {
  readonly metrics: CatalogueMetrics;
  /** Series handles per (route, method, status), made on first use: see series.ts for why. */
  private readonly requestSeries = new Map<string, { total: CounterSeries; duration: HistogramSeries }>();
  private readonly stageSeries: Record<InferenceStage, HistogramSeries>;
  private readonly predictionSeries = new Map<string, CounterSeries>();
  private readonly confidence: HistogramSeries;
  private readonly documentTokens: HistogramSeries;
  private readonly outOfVocabularyRatio: HistogramSeries;

  constructor(readonly registry: MetricsRegistry) {
    this.metrics = registerCatalogueMetrics(registry);
    const m = this.metrics;
    this.stageSeries = Object.fromEntries(
      INFERENCE_STAGES.map((stage) => [stage, new HistogramSeries(m.modelInferenceDurationSeconds, { stage })]),
    ) as Record<InferenceStage, HistogramSeries>;
    this.confidence = new HistogramSeries(m.modelPredictionConfidence, {});
    this.documentTokens = new HistogramSeries(m.modelDocumentTokens, {});
    this.outOfVocabularyRatio = new HistogramSeries(m.modelOutOfVocabularyRatio, {});
  }

  /** Sets the model_info gauge for the loaded model. */
  setModelInfo(version: string, trainer: string, classes: readonly string[]): void {
    this.metrics.modelInfo.reset();
    this.metrics.modelInfo.set({ version, trainer, classes: classes.join(',') }, 1);
  }

  observeRequest(o: RequestObservation): void {
    const key = `${o.route} ${o.method} ${o.statusCode}`;
    let series = this.requestSeries.get(key);
    if (series === undefined) {
      const labels = { route: o.route, method: o.method, status_code: String(o.statusCode) };
      series = {
        total: new CounterSeries(this.metrics.httpRequestsTotal, labels),
        duration: new HistogramSeries(this.metrics.httpRequestDurationSeconds, labels),
      };
      this.requestSeries.set(key, series);
    }
    series.total.inc();
    if (o.traceId === undefined) series.duration.observe(o.durationSeconds);
    else series.duration.observeWithExemplar(o.durationSeconds, { [TRACE_ID_LABEL]: o.traceId });
  }

  observeInference(o: InferenceObservation): void {
    const stages = this.stageSeries;
    stages.tokenize.observe(o.stageSeconds.tokenize);
    stages.tfidf.observe(o.stageSeconds.tfidf);
    stages.predict.observe(o.stageSeconds.predict);
    let predictions = this.predictionSeries.get(o.label);
    if (predictions === undefined) {
      predictions = new CounterSeries(this.metrics.modelPredictionsTotal, { class: o.label });
      this.predictionSeries.set(o.label, predictions);
    }
    predictions.inc();
    this.confidence.observe(o.confidence);
    this.documentTokens.observe(o.tokenCount);
    this.outOfVocabularyRatio.observe(o.tokenCount === 0 ? 0 : o.outOfVocabularyCount / o.tokenCount);
  }

  shed(reason: string): void {
    this.metrics.httpRequestsShedTotal.inc({ reason });
  }
}
