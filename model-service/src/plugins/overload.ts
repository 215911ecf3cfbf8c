import underPressure from '@fastify/under-pressure';
import type { FastifyInstance } from 'fastify';
import { ServiceMetrics } from '../metrics/registry';
import { errorBody } from './errors';

export interface OverloadOptions {
  readonly metrics: ServiceMetrics;
  /** 0 disables the check. */
  readonly maxEventLoopDelayMs: number;
  /** 0 disables the check. */
  readonly maxEventLoopUtilization: number;
  readonly retryAfterSeconds: number;
}

/** Route config flag: only routes that set it are shed (never health, readiness or metrics). */
export interface SheddableRouteConfig {
  readonly shed?: boolean;
}

/**
 * Load shedding with @fastify/under-pressure: when the event loop falls behind,
 * answering 503 + Retry-After at once is better than queueing work that will
 * time out anyway. Probes and scrapes are never shed, so an overloaded pod stays
 * visible (and is not restarted for being busy).
 */
export async function registerOverloadProtection(app: FastifyInstance, options: OverloadOptions): Promise<void> {
  await app.register(underPressure, {
    maxEventLoopDelay: options.maxEventLoopDelayMs,
    maxEventLoopUtilization: options.maxEventLoopUtilization,
    retryAfter: options.retryAfterSeconds,
    // The default 1 s sample reacts too slowly to a burst; 100 ms costs nothing.
    sampleInterval: 100,
    pressureHandler: (request, reply, type) => {
      if ((request.routeOptions.config as SheddableRouteConfig).shed !== true) return undefined;
      options.metrics.shed(type);
      reply.code(503).header('Retry-After', String(options.retryAfterSeconds)).type('application/json; charset=utf-8');
      return errorBody(request, 503, `overloaded (${type}): retry after ${options.retryAfterSeconds} s`) as never;
    },
  });
}
