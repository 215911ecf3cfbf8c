import { Counter, Histogram } from 'prom-client';
import { createRegistry, MetricsRegistry } from '../../src/metrics/registry';
import { renderMetrics } from '../../src/metrics/render';
import { CounterSeries, HistogramSeries } from '../../src/metrics/series';

/**
 * The series handles write prom-client's internal records directly (see
 * series.ts). Guard: the same observations made through prom-client's public
 * API and through the handles must render to the same exposition text, in
 * both formats. An upgrade that changes prom-client's layout fails here.
 */
function metricsIn(registry: MetricsRegistry) {
  return {
    requests: new Counter({ name: 'requests_total', help: 'h', labelNames: ['route', 'code'], registers: [registry] }),
    duration: new Histogram({
      name: 'duration_seconds', help: 'h', labelNames: ['route', 'code'], buckets: [0.001, 0.01, 0.1, 1], enableExemplars: true, registers: [registry],
    }),
    sizes: new Histogram({ name: 'sizes', help: 'h', buckets: [1, 10, 100], registers: [registry] }),
  };
}

const observations: [string, string, number][] = [
  ['/a', '200', 0.0005], ['/a', '200', 0.001], ['/a', '200', 0.0011], ['/b', '404', 5], ['/a', '200', 0.5], ['/b', '404', 0], ['/a', '500', 0.02],
];
const traceIds = ['0af7651916cd43dd8448eb211c80319c', '4bf92f3577b34da6a3ce929d0e0e4736', 'a'.repeat(32)];
const sizes = [0, 1, 1.5, 10, 99, 100, 101, 1e6, -3];

/** Exemplar timestamps are wall-clock seconds: blank them for comparison. */
const withoutTimestamps = (text: string) => text.replace(/(# \{[^}]*\} \S+) \d+(\.\d+)?/g, '$1 <ts>');

describe('CounterSeries / HistogramSeries (prom-client hot-path handles)', () => {
  it('render exactly what prom-client\'s own observe/inc would, in both formats and with exemplars', async () => {
    const viaLibrary = createRegistry();
    const lib = metricsIn(viaLibrary);
    const viaSeries = createRegistry();
    const fast = metricsIn(viaSeries);
    const sizesSeries = new HistogramSeries(fast.sizes, {});
    observations.forEach(([route, code, seconds], i) => {
      const traceId = traceIds[i % traceIds.length];
      lib.requests.inc({ route, code });
      lib.duration.observe({ labels: { route, code }, value: seconds, exemplarLabels: { trace_id: traceId } } as never);
      new CounterSeries(fast.requests, { route, code }).inc();
      new HistogramSeries(fast.duration, { route, code }).observeWithExemplar(seconds, { trace_id: traceId });
    });
    for (const size of sizes) {
      lib.sizes.observe(size);
      sizesSeries.observe(size);
    }
    for (const openMetrics of [false, true]) {
      const expected = withoutTimestamps(await renderMetrics(viaLibrary, openMetrics));
      if (openMetrics) expect(expected).toContain('trace_id="0af7651916cd43dd8448eb211c80319c"');
      expect(withoutTimestamps(await renderMetrics(viaSeries, openMetrics))).toBe(expected);
    }
  });

  it('keep working after the metric is reset', async () => {
    const registry = createRegistry();
    const { requests, sizes } = metricsIn(registry);
    const counter = new CounterSeries(requests, { route: '/a', code: '200' });
    const histogram = new HistogramSeries(sizes, {});
    counter.inc();
    histogram.observe(5);
    requests.reset();
    sizes.reset();
    counter.inc();
    histogram.observe(50);
    const text = await renderMetrics(registry, false);
    expect(text).toContain('requests_total{route="/a",code="200"} 1');
    expect(text).toContain('sizes_sum 50');
    expect(text).toContain('sizes_count 1');
  });

  it('refuse wrong label names and non-finite values, as prom-client does', () => {
    const { requests, sizes, duration } = metricsIn(createRegistry());
    expect(() => new CounterSeries(requests, { route: '/a' })).toThrow('requests_total: labels {route} do not match the metric\'s label names {code,route}');
    expect(() => new HistogramSeries(sizes, {}).observe(NaN)).toThrow('Value is not a valid number: NaN');
    expect(() => new HistogramSeries(duration, { route: '/a', code: '200' }).observeWithExemplar(1, { trace_id: 'x'.repeat(200) })).toThrow(RangeError);
  });
});
