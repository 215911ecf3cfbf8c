/**
 * The service scraped by a real Prometheus: after a burst of traffic, the
 * request-rate, error-ratio and p99 queries the dashboard uses return data, and
 * the OpenMetrics scrape delivered trace_id exemplars.
 */
import { TRACE_ID_LABEL } from '../../src/contract';
import { tinyModel } from '../support/model';
import {
  prometheusAvailable, queryExemplars, queryPrometheus, RunningPrometheus, startPrometheus,
} from '../support/prometheus';
import { RunningModelService, startModelService } from '../support/service';

// Skipped only on a developer machine without Prometheus; CI installs it, and there it must run.
const describeIfPrometheus = prometheusAvailable() || process.env.CI === 'true' ? describe : describe.skip;

describeIfPrometheus('model service scraped by a real Prometheus', () => {
  let service: RunningModelService;
  let prometheus: RunningPrometheus;

  beforeAll(async () => {
    const model = await tinyModel();
    // Shedding off: under ts-node the first requests compile modules and can
    // stall the event loop past the shedding threshold (shedding has its own test).
    service = await startModelService({ modelPath: model.modelPath, env: { MAX_EVENT_LOOP_DELAY_MS: '0' } });
    prometheus = await startPrometheus({ targets: [{ target: service.target }] });
    await prometheus.waitForTargetsUp();
  }, 60_000);

  afterAll(async () => {
    await prometheus?.stop();
    await service?.stop();
  });

  async function burst(good: number, bad: number): Promise<void> {
    const requests: Promise<Response>[] = [];
    for (let i = 0; i < good; i += 1) {
      requests.push(fetch(`${service.url}/predict`, { method: 'POST', body: `the telescope and the moon ${i}` }));
    }
    for (let i = 0; i < bad; i += 1) {
      requests.push(fetch(`${service.url}/predict`, { method: 'POST', body: '' }));
    }
    const statuses = (await Promise.all(requests)).map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(good);
    expect(statuses.filter((s) => s === 400)).toHaveLength(bad);
  }

  it('answers request rate, error ratio and p99 queries after a burst', async () => {
    await burst(100, 10);
    await new Promise((r) => setTimeout(r, 2_500));
    await burst(100, 10);
    await new Promise((r) => setTimeout(r, 2_500));

    const selector = 'app="model-service",route="/predict"';
    const [rate] = await queryPrometheus(prometheus.url, `sum(rate(http_requests_total{${selector}}[1m]))`);
    expect(rate.value).toBeGreaterThan(0);

    const [errorRatio] = await queryPrometheus(prometheus.url,
      `sum(rate(http_requests_total{${selector},status_code=~"4..|5.."}[1m])) / sum(rate(http_requests_total{${selector}}[1m]))`);
    expect(errorRatio.value).toBeGreaterThan(0);
    expect(errorRatio.value).toBeLessThan(0.5);

    const [p99] = await queryPrometheus(prometheus.url,
      `histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{${selector}}[1m])))`);
    expect(Number.isFinite(p99.value)).toBe(true);
    expect(p99.value).toBeGreaterThan(0);

    const stage = await queryPrometheus(prometheus.url, 'sum by (stage) (rate(model_inference_duration_seconds_count{app="model-service"}[1m]))');
    expect(stage.map((s) => s.metric.stage).sort()).toEqual(['predict', 'tfidf', 'tokenize']);

    const exemplars = await queryExemplars(prometheus.url, `http_request_duration_seconds_bucket{${selector}}`);
    expect(exemplars.length).toBeGreaterThan(0);
    expect(exemplars[0].labels[TRACE_ID_LABEL]).toMatch(/^[0-9a-f]{32}$/);
  }, 60_000);
});
