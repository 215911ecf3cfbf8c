import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { ROUTES } from '../contract';

/** OpenAPI document from the route schemas, browsable at /docs (JSON at /docs/json). Register before the routes. */
export async function registerApiDocs(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'model-service',
        description: '20 Newsgroups text classifier with Prometheus metrics, OpenTelemetry traces and trace-correlated logs.',
        version: '0.1.0',
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: ROUTES.docs });
}
