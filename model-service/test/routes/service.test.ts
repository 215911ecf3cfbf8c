import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { DEFAULT_PROCESS_METRICS, METRICS, ROUTES, TRACE_ID_LABEL } from '../../src/contract';
import { buildTestApp, TestApp } from '../support/app';

describe('service routes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.app.close());

  it('GET /healthz answers ok', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('GET /info describes the loaded model', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/info' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      modelVersion: t.model.classifier.version,
      classes: ['astronomy', 'cooking', 'sailing'],
      metadata: { trainer: 'softmax-sgd' },
    });
  });

  it('serves the OpenAPI document and the docs UI', async () => {
    const spec = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(spec.statusCode).toBe(200);
    expect(Object.keys(spec.json().paths).sort()).toEqual([ROUTES.feedback, ROUTES.health, ROUTES.info, ROUTES.metrics, ROUTES.predict, ROUTES.ready].sort());
    const ui = await t.app.inject({ method: 'GET', url: '/docs' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(ui.body).toContain('<title>Swagger UI</title>');
  });

  it('GET /metrics exposes every catalogue series in Prometheus text format', async () => {
    await t.app.inject({ method: 'POST', url: '/predict', payload: 'the telescope', headers: { 'content-type': 'text/plain' } });
    const response = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = response.body;
    for (const def of Object.values(METRICS)) {
      expect(text).toContain(`# TYPE ${def.name} ${def.type}`);
    }
    for (const name of Object.values(DEFAULT_PROCESS_METRICS)) expect(text).toContain(`\n${name}`);
    expect(text).toMatch(/http_requests_total\{route="\/predict",method="POST",status_code="200"\} 1/);
    expect(text).toMatch(/model_inference_duration_seconds_count\{stage="tokenize"\} 1/);
    expect(text).toMatch(/model_predictions_total\{class="astronomy"\} 1/);
    expect(text).toMatch(new RegExp(`model_info\\{version="${t.model.classifier.version}",trainer="softmax-sgd",classes="astronomy,cooking,sailing"\\} 1`));
    expect(text).toMatch(/nodejs_eventloop_utilization_ratio \d/);
    // Rendering OpenMetrics in between must not rename the counters.
    await t.app.inject({ method: 'GET', url: '/metrics', headers: { accept: 'application/openmetrics-text; version=1.0.0' } });
    const again = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(again.body).toContain('# TYPE http_requests_total counter');
  });

  it('labels unmatched routes "unmatched" to keep cardinality bounded', async () => {
    await t.app.inject({ method: 'GET', url: '/random-123' });
    const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toContain('http_requests_total{route="unmatched",method="GET",status_code="404"}');
    expect(text).not.toContain('random-123');
  });

  it('serves OpenMetrics, with trace_id exemplars, when the scraper asks for it', async () => {
    const traced = await buildTestApp({}, { tracer: new NodeTracerProvider().getTracer('test') });
    try {
      await traced.app.inject({ method: 'POST', url: '/predict', payload: 'the telescope', headers: { 'content-type': 'text/plain' } });
      const response = await traced.app.inject({
        method: 'GET', url: '/metrics', headers: { accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' },
      });
      expect(response.headers['content-type']).toMatch(/^application\/openmetrics-text/);
      expect(response.body.trimEnd().endsWith('# EOF')).toBe(true);
      expect(response.body).toMatch(new RegExp(
        `http_request_duration_seconds_bucket\\{[^}]*route="/predict"[^}]*\\} 1 # \\{${TRACE_ID_LABEL}="[0-9a-f]{32}"\\}`,
      ));
    } finally {
      await traced.app.close();
    }
  });

  it('GET /readyz turns 503 once draining starts', async () => {
    const draining = await buildTestApp();
    try {
      expect((await draining.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
      draining.lifecycle.startDraining();
      const response = await draining.app.inject({ method: 'GET', url: '/readyz' });
      expect(response.statusCode).toBe(503);
      expect(response.json().message).toMatch(/shutting down/);
      const predict = await draining.app.inject({ method: 'POST', url: '/predict', payload: 'garlic', headers: { 'content-type': 'text/plain' } });
      expect(predict.statusCode).toBe(200);
      expect(predict.headers.connection).toBe('close');
    } finally {
      await draining.app.close();
    }
  });
});
