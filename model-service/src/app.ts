import { trace, Tracer } from '@opentelemetry/api';
import Fastify, { FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import { ServiceConfig } from './config';
import { createLogger } from './logger';
import { createRegistry, MetricsRegistry, ServiceMetrics } from './metrics/registry';
import { TextClassifier } from './model/classifier';
import { registerApiDocs } from './plugins/api-docs';
import { registerErrorHandling } from './plugins/errors';
import { Lifecycle } from './plugins/lifecycle';
import { registerOverloadProtection } from './plugins/overload';
import { registerRawDocumentParsers } from './plugins/raw-document-parsers';
import { registerRequestTelemetry, tracingChildLoggerFactory } from './plugins/request-telemetry';
import { registerResponseCoalescing } from './plugins/response-coalescing';
import { FeedbackForwarder, feedbackForwarder } from './monitoring/feedback-peers';
import { ModelQuality } from './monitoring/model-quality';
import { registerFeedbackRoute } from './routes/feedback';
import { registerPredictRoute } from './routes/predict';
import { registerServiceRoutes } from './routes/service';
import { errorResponseSchema } from './schemas/errors';

export const TRACER_NAME = 'model-service';

export interface BuildAppOptions {
  readonly classifier: TextClassifier;
  readonly config: ServiceConfig;
  /** Metrics registry; tests pass their own (default: a fresh one). */
  readonly registry?: MetricsRegistry;
  /** Default: the global tracer (set up by the preloaded telemetry module, or a no-op). */
  readonly tracer?: Tracer;
  /** Default: pino on stdout at config.logLevel. */
  readonly logger?: Logger;
  /** Default: the peers of config.feedbackPeers, if set. Tests pass their own. */
  readonly feedbackForwarder?: FeedbackForwarder;
}

export interface ModelServiceApp {
  readonly app: FastifyInstance;
  readonly metrics: ServiceMetrics;
  readonly lifecycle: Lifecycle;
  readonly logger: Logger;
  readonly quality: ModelQuality;
}

/** Builds the whole service (routes, telemetry, protection) without listening. */
export async function buildApp(options: BuildAppOptions): Promise<ModelServiceApp> {
  const { classifier, config } = options;
  const tracer = options.tracer ?? trace.getTracer(TRACER_NAME);
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const metrics = new ServiceMetrics(options.registry ?? createRegistry());
  metrics.setModelInfo(classifier.version, String(classifier.metadata.trainer ?? 'unknown'), classifier.classes);
  const lifecycle = new Lifecycle();
  const quality = new ModelQuality(classifier, config, metrics.metrics);

  // Typed as the base instance: the route modules take FastifyInstance, and a
  // pino Logger type parameter would make every one of them generic.
  const app: FastifyInstance = Fastify({
    loggerInstance: logger,
    childLoggerFactory: tracingChildLoggerFactory(tracer),
    // One completion line per request, written by request-telemetry with the
    // trace token, replaces Fastify's two lines ("incoming request", "request completed").
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    // During shutdown keep serving requests that arrive on open connections
    // (with `Connection: close`) instead of answering 503: no accepted request is dropped.
    return503OnClosing: false,
    // Close idle keep-alive sockets at close() so shutdown is not held up by them.
    forceCloseConnections: 'idle',
    // Fastify's Ajv coerces types by default ({"text": 5} would become "5");
    // a wrong type is a client error to report, not to guess at.
    ajv: { customOptions: { coerceTypes: false } },
  }) as unknown as FastifyInstance;

  app.addSchema(errorResponseSchema);
  registerErrorHandling(app, { bodyLimitBytes: config.bodyLimitBytes });
  registerRawDocumentParsers(app);
  registerRequestTelemetry(app, {
    metrics,
    logBodies: config.logBodies,
    onRequest: (_request, reply) => {
      if (lifecycle.draining) reply.header('connection', 'close');
    },
  });
  await registerOverloadProtection(app, {
    metrics,
    maxEventLoopDelayMs: config.maxEventLoopDelayMs,
    maxEventLoopUtilization: config.maxEventLoopUtilization,
    retryAfterSeconds: config.retryAfterSeconds,
  });
  if (config.coalesceResponses) registerResponseCoalescing(app);
  await registerApiDocs(app);
  registerPredictRoute(app, { classifier, metrics, tracer, batchLimit: config.batchLimit, quality });
  registerFeedbackRoute(app, {
    quality,
    batchLimit: config.batchLimit,
    forwarder: options.feedbackForwarder
      ?? (config.feedbackPeers === '' ? undefined : feedbackForwarder({ dnsName: config.feedbackPeers, port: config.port })),
  });
  registerServiceRoutes(app, { classifier, registry: metrics.registry, lifecycle });
  return { app, metrics, lifecycle, logger, quality };
}
