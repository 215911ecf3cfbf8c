import { Registry } from 'prom-client';
import type { MetricsRegistry } from './registry';

export const PROMETHEUS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;
export const OPENMETRICS_CONTENT_TYPE = Registry.OPENMETRICS_CONTENT_TYPE;

/** True when a scraper's Accept header asks for OpenMetrics (Prometheus does when exemplar storage is on). */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  return accept !== undefined && accept.includes('application/openmetrics-text');
}

const renderQueues = new WeakMap<MetricsRegistry, Promise<unknown>>();

/**
 * Renders one registry in either exposition format.
 *
 * Why not two registries: prom-client fixes the format per registry, keeps
 * exemplars only on OpenMetrics ones, and its OpenMetrics renderer strips
 * `_total` from counter names *in place* (registry.js standardizeCounterName),
 * which would corrupt a second, Prometheus-format registry sharing the same
 * metric objects. So we render the one registry in the asked format, put the
 * counter names back afterwards, and serialise renders so two concurrent
 * scrapes in different formats cannot interleave.
 */
export function renderMetrics(registry: MetricsRegistry, openMetrics: boolean): Promise<string> {
  const previous = renderQueues.get(registry) ?? Promise.resolve();
  const next = previous.then(
    () => renderNow(registry, openMetrics),
    () => renderNow(registry, openMetrics),
  );
  renderQueues.set(registry, next.catch(() => undefined));
  return next;
}

async function renderNow(registry: MetricsRegistry, openMetrics: boolean): Promise<string> {
  const metrics = registry.getMetricsAsArray() as unknown as { name: string; type?: string }[];
  const counterNames = new Map(metrics.filter((m) => m.type === 'counter').map((m) => [m, m.name]));
  registry.setContentType(openMetrics ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE);
  try {
    return await registry.metrics();
  } finally {
    for (const [metric, name] of counterNames) metric.name = name;
    registry.setContentType(OPENMETRICS_CONTENT_TYPE);
  }
}
