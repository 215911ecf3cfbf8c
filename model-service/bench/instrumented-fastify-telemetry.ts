/**
 * OpenTelemetry set up the way the OpenTelemetry and Fastify docs show it, for
 * `npm run bench:http` scenario (d): preloaded with `--require` before Fastify
 * and pino are loaded, as instrumentations must be.
 *
 * What NodeSDK does for traces, without the metrics and logs pipelines this
 * scenario does not use: a NodeTracerProvider with the default context manager
 * (AsyncLocalStorage) and propagator, a BatchSpanProcessor with the SDK's
 * default settings, the OTLP/HTTP exporter configured by the OTEL_* variables,
 * and the usual instrumentations: http (a span per request), @fastify/otel
 * (spans for the request, each hook and the handler) and pino (trace ids on
 * every log line).
 */
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

const provider = new NodeTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'instrumented-fastify' }),
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
});
provider.register();
registerInstrumentations({
  instrumentations: [
    new HttpInstrumentation(),
    new FastifyOtelInstrumentation({ registerOnInitialization: true }),
    new PinoInstrumentation(),
  ],
});

process.once('SIGTERM', () => {
  void provider.shutdown().finally(() => process.exit(0));
});
