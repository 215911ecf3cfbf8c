/**
 * `npm run bench:http` scenario (d): the reference point the issue sets (c)
 * against, "a default-instrumented Fastify app without a model". Fastify with
 * its default request logging (pino, two lines per request), prom-client
 * (default process metrics, a request counter and a duration histogram), and
 * OpenTelemetry as the docs set it up (instrumented-fastify-telemetry.ts,
 * preloaded), every span exported to the bench's OTLP sink. POST /predict
 * answers a constant, like scenario (a).
 */
import Fastify from 'fastify';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ROUTES } from '../src/contract';

const port = Number(process.argv[2] ?? 3012);
const registry = new Registry();
collectDefaultMetrics({ register: registry });
const requests = new Counter({
  name: 'http_requests_total', help: 'Requests', labelNames: ['route', 'method', 'status'], registers: [registry],
});
const duration = new Histogram({
  name: 'http_request_duration_seconds', help: 'Request duration', labelNames: ['route', 'method', 'status'], registers: [registry],
});

const app = Fastify({ logger: { level: 'info' } });
app.addHook('onResponse', (request, reply, done) => {
  const labels = { route: request.routeOptions.url ?? 'unmatched', method: request.method, status: String(reply.statusCode) };
  requests.inc(labels);
  duration.observe(labels, reply.elapsedTime / 1000);
  done();
});
const answer = { result: 'rec.autos', modelVersion: 'constant' };
app.post(ROUTES.predict, async () => answer);
app.get(ROUTES.health, async () => ({ status: 'ok' }));
app.get(ROUTES.metrics, async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
app.listen({ port, host: '127.0.0.1' }).catch((err: Error) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
