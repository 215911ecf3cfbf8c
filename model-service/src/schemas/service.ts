import { errorResponseRef } from './errors';

export const healthRouteSchema = {
  summary: 'Liveness: the process is up',
  response: { 200: { type: 'object', properties: { status: { type: 'string' } } } },
} as const;

export const readyRouteSchema = {
  summary: 'Readiness: model loaded and not shutting down',
  response: {
    200: { type: 'object', properties: { status: { type: 'string' } } },
    503: errorResponseRef,
  },
} as const;

export const metricsRouteSchema = {
  summary: 'Prometheus metrics (OpenMetrics with trace_id exemplars when the Accept header asks for it)',
  produces: ['text/plain', 'application/openmetrics-text'],
} as const;

export const infoRouteSchema = {
  summary: 'The loaded model: version, classes, training metadata',
  response: {
    200: {
      type: 'object',
      required: ['modelVersion', 'classes', 'metadata'],
      properties: {
        modelVersion: { type: 'string' },
        classes: { type: 'array', items: { type: 'string' } },
        metadata: { type: 'object', additionalProperties: true, description: 'As stored in the model file (trainer, hyper-parameters, evaluation).' },
      },
    },
  },
} as const;
