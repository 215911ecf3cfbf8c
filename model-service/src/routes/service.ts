import type { FastifyInstance } from 'fastify';
import { OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE, renderMetrics, wantsOpenMetrics } from '../metrics/render';
import type { MetricsRegistry } from '../metrics/registry';
import { TextClassifier } from '../model/classifier';
import { errorBody } from '../plugins/errors';
import { Lifecycle } from '../plugins/lifecycle';
import { healthRouteSchema, infoRouteSchema, metricsRouteSchema, readyRouteSchema } from '../schemas/service';
import { ROUTES } from '../contract';

export interface ServiceRoutesOptions {
  readonly classifier: TextClassifier;
  readonly registry: MetricsRegistry;
  readonly lifecycle: Lifecycle;
}

/** Probes, metrics and model info: the routes operators and Prometheus use. */
export function registerServiceRoutes(app: FastifyInstance, options: ServiceRoutesOptions): void {
  const { classifier, registry, lifecycle } = options;

  app.get(ROUTES.health, { schema: healthRouteSchema }, async () => ({ status: 'ok' }));

  app.get(ROUTES.ready, { schema: readyRouteSchema }, async (request, reply) => {
    if (lifecycle.ready) return { status: 'ready' };
    return reply.code(503).send(errorBody(request, 503, 'shutting down: not accepting new traffic'));
  });

  app.get(ROUTES.metrics, { schema: metricsRouteSchema }, async (request, reply) => {
    const openMetrics = wantsOpenMetrics(request.headers.accept);
    const text = await renderMetrics(registry, openMetrics);
    return reply.type(openMetrics ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE).send(text);
  });

  app.get(ROUTES.info, { schema: infoRouteSchema }, async () => ({
    modelVersion: classifier.version,
    classes: classifier.classes,
    metadata: classifier.metadata,
  }));
}
