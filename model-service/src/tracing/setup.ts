import { diag, DiagLogLevel, DiagLogger } from '@opentelemetry/api';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, SpanProcessor } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { MODEL_VERSION } from '../contract';
import { PooledIdGenerator } from './pooled-id-generator';
import { RETRY_BUFFER_VARIABLE, RetryingSpanExporter } from './retrying-span-exporter';
import { publishSpanBufferStatus, SpanBufferStatus } from './span-buffer-status';
import { createTraceExporter, OtlpTracesProtocol, tracesProtocolFromEnv } from './trace-exporter';

export const DEFAULT_SERVICE_NAME = 'model-service';

export interface TracingOptions {
  /** Endpoint, protocol and batching variables (default process.env); the resource always comes from process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** OTLP/HTTP traces URL; default from OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces. */
  readonly tracesUrl?: string;
  /**
   * Register as the global provider, and publish the span buffer's status for the metrics
   * registry (the preloaded telemetry module does; tests don't).
   */
  readonly registerGlobal?: boolean;
  /** Where SDK-internal problems (export failures, dropped spans) are reported. */
  readonly warn?: (message: string) => void;
  /**
   * The served model's version, as the `ml.model.version` resource attribute of every span; export
   * waits until it settles (the preloaded telemetry module passes `loadedModelVersion()`).
   * @default - no such attribute
   */
  readonly modelVersion?: Promise<string>;
}

export interface TracingHandle {
  readonly provider: NodeTracerProvider;
  /** Whether spans leave the process (an endpoint is configured). */
  readonly exporting: boolean;
  /** The OTLP/HTTP encoding spans are (or would be) sent in. */
  readonly protocol: OtlpTracesProtocol;
  /** What the span export buffer holds and has dropped; undefined when nothing is exported. */
  spanBufferStatus(): SpanBufferStatus | undefined;
  /**
   * Hands what the batch processor holds to the export buffer and waits for the buffer to be sent
   * (a retry waiting out its backoff goes at once), for up to 5 s. The provider's own forceFlush
   * only does the first: the processor does not flush its exporter.
   */
  forceFlush(): Promise<void>;
  /** Exports what is buffered and stops; bounded (RetryingSpanExporter's drainTimeoutMs, 5 s). */
  shutdown(): Promise<void>;
}

/**
 * Batching defaults, used when the standard OTEL_BSP_* variables are not set.
 * Serialising a batch runs on the event loop (measured ~4-5 us per span with
 * the library's JSON serializer on this machine; a hand-written encoder was no
 * faster, and protobuf no cheaper: see DEFAULT_TRACES_PROTOCOL), so a batch of
 * N spans stalls every request for ~5N us: the SDK's 512 keeps that near
 * 2.5 ms, where 2048 pushed p99 past 10 ms in `npm run bench:http`. The queue
 * bound caps memory when the backend is down or slow: spans beyond it are
 * dropped, and the SDK reports the count once through `warn`.
 */
const BATCH_DEFAULTS = {
  OTEL_BSP_MAX_QUEUE_SIZE: 8_192,
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: 512,
  OTEL_BSP_SCHEDULE_DELAY: 1_000,
  OTEL_BSP_EXPORT_TIMEOUT: 10_000,
} as const;

/**
 * Default of TRACES_RETRY_BUFFER_SPANS, the most spans kept for export while the OTLP endpoint is
 * away (RetryingSpanExporter): 60 s of a pod at 200 requests/s, 5 spans per /predict request (the
 * server span, preprocess, tokenize, tfidf, predict). Measured cost, `npm run bench:span-buffer`:
 * see docs/serving.md, "Span export while the endpoint is away".
 */
export const DEFAULT_RETRY_BUFFER_SPANS = 60 * 200 * 5;

/** Resolves the traces URL the way the OTLP exporter does, or undefined when none is configured. */
export function tracesUrlFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  const specific = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (specific) return specific;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (base) return `${base.replace(/\/+$/, '')}/v1/traces`;
  return undefined;
}

/**
 * Builds the tracer provider from the standard OTEL_* variables: resource from
 * OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES, sampler from
 * OTEL_TRACES_SAMPLER[_ARG] (read by the SDK), OTLP/HTTP exporter from
 * OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT and OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL
 * (http/json or http/protobuf; anything else throws). With no endpoint the
 * provider still creates trace ids (so logs stay correlated and traceparent
 * propagates) but exports nothing, and `warn` is called once.
 */
export function setupTracing(options: TracingOptions = {}): TracingHandle {
  const env = options.env ?? process.env;
  const warn = options.warn ?? defaultWarn;
  diag.setLogger(diagToWarn(warn), { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });

  const resource = defaultResource()
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: DEFAULT_SERVICE_NAME }))
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(options.modelVersion ? resourceFromAttributes({ [MODEL_VERSION.resourceAttribute]: options.modelVersion }) : null);

  // Read before the endpoint so that a bad value fails at start even when nothing is exported yet.
  const protocol = tracesProtocolFromEnv(env);
  const batching = batchConfig(env);
  const retryBufferSpans = positiveIntegerFromEnv(env, RETRY_BUFFER_VARIABLE, DEFAULT_RETRY_BUFFER_SPANS);
  const url = options.tracesUrl ?? tracesUrlFromEnv(env);
  const spanProcessors: SpanProcessor[] = [];
  let exporter: RetryingSpanExporter | undefined;
  if (url === undefined) {
    warn(
      'tracing: no OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) set, so spans are not exported; '
        + 'set it to e.g. http://tempo:4318 to send traces',
    );
  } else {
    // The processor batches; the retrying exporter keeps batches the endpoint could not take and sends them again.
    exporter = new RetryingSpanExporter(createTraceExporter(protocol, url), {
      maxBufferedSpans: retryBufferSpans,
      maxExportBatchSize: batching.maxExportBatchSize,
    });
    spanProcessors.push(new BatchSpanProcessor(exporter, batching));
  }
  const spanBufferStatus = (): SpanBufferStatus | undefined => exporter?.status();
  if (options.registerGlobal) publishSpanBufferStatus(spanBufferStatus);

  const provider = new NodeTracerProvider({ resource, spanProcessors, idGenerator: new PooledIdGenerator() });
  // No async context manager: the service passes span parents explicitly and
  // uses no auto-instrumentation, and AsyncLocalStorage's per-promise
  // bookkeeping would cost every request for nothing (see docs/serving.md).
  if (options.registerGlobal) provider.register({ contextManager: null });
  return {
    provider,
    exporting: url !== undefined,
    protocol,
    spanBufferStatus,
    forceFlush: async () => {
      await provider.forceFlush();
      await exporter?.forceFlush();
    },
    shutdown: () => provider.shutdown(),
  };
}

const BATCH_VARIABLES = {
  maxQueueSize: 'OTEL_BSP_MAX_QUEUE_SIZE',
  maxExportBatchSize: 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
  scheduledDelayMillis: 'OTEL_BSP_SCHEDULE_DELAY',
  exportTimeoutMillis: 'OTEL_BSP_EXPORT_TIMEOUT',
} as const;

function batchConfig(env: NodeJS.ProcessEnv): Record<keyof typeof BATCH_VARIABLES, number> {
  // Every option is passed explicitly, so the SDK's own reading of OTEL_BSP_* is overridden;
  // these read the same variables, with our defaults for what the operator did not set.
  const config = {} as Record<keyof typeof BATCH_VARIABLES, number>;
  for (const [option, variable] of Object.entries(BATCH_VARIABLES) as [keyof typeof BATCH_VARIABLES, keyof typeof BATCH_DEFAULTS][]) {
    config[option] = positiveIntegerFromEnv(env, variable, BATCH_DEFAULTS[variable]);
  }
  return config;
}

/** `env[variable]` as a positive integer, `fallback` when unset or empty; throws one line naming the variable. */
function positiveIntegerFromEnv(env: NodeJS.ProcessEnv, variable: string, fallback: number): number {
  const raw = env[variable];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`invalid environment variable ${variable}: ${JSON.stringify(raw)} is not a positive integer`);
  }
  return value;
}

function defaultWarn(message: string): void {
  // Same shape as the service's pino lines, so log pipelines parse it alike.
  process.stdout.write(`${JSON.stringify({ level: 'warn', time: new Date().toISOString(), msg: message })}\n`);
}

/** The SDK logs some errors as JSON-serialised Error objects; keep their message, not the stack. */
function errorMessageOf(message: string): string {
  if (!message.startsWith('{')) return message;
  try {
    const parsed = JSON.parse(message) as { message?: unknown };
    return typeof parsed.message === 'string' ? `export failed: ${parsed.message}` : message;
  } catch {
    return message;
  }
}

/** At most one SDK warning of a kind per this many ms (a down backend fails every export). */
const DIAG_WARN_INTERVAL_MS = 10_000;

/**
 * Routes the SDK's own warnings and errors (export failures, dropped spans) to
 * `warn`, rate-limited per kind: while a backend is down or slow the SDK reports
 * every failed export and every queue overflow, which would flood the log.
 */
export function diagToWarn(warn: (message: string) => void, now: () => number = Date.now): DiagLogger {
  const lastByKind = new Map<string, { at: number; suppressed: number }>();
  const report = (raw: string, args: unknown[]): void => {
    const message = errorMessageOf(raw);
    const text = [message, ...args.map((a) => (a instanceof Error ? a.message : String(a)))].join(' ');
    const kind = message.replace(/\d+/g, 'N').slice(0, 80);
    const last = lastByKind.get(kind);
    const time = now();
    if (last !== undefined && time - last.at < DIAG_WARN_INTERVAL_MS) {
      last.suppressed += 1;
      return;
    }
    const suffix = last !== undefined && last.suppressed > 0
      ? ` (${last.suppressed} similar messages suppressed in the last ${Math.round((time - last.at) / 1000)} s)`
      : '';
    lastByKind.set(kind, { at: time, suppressed: 0 });
    warn(`opentelemetry: ${text}${suffix}`);
  };
  const ignore = (): void => undefined;
  return {
    error: (message, ...args) => report(message, args),
    warn: (message, ...args) => report(message, args),
    info: ignore,
    debug: ignore,
    verbose: ignore,
  };
}
