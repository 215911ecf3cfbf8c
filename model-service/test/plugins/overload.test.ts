import { buildTestApp, TestApp } from '../support/app';

function blockEventLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy: simulates CPU saturation
  }
}

describe('overload shedding', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ maxEventLoopDelayMs: 10, retryAfterSeconds: 2 });
  });
  afterAll(() => t.app.close());

  it('answers /predict 503 + Retry-After while the event loop lags, keeps probes up, counts the shed, then recovers', async () => {
    blockEventLoop(600);
    // Let @fastify/under-pressure's overdue sample run and see the lag.
    await new Promise((r) => setTimeout(r, 0));
    const shed = await t.app.inject({ method: 'POST', url: '/predict', payload: 'garlic', headers: { 'content-type': 'text/plain' } });
    const health = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(shed.statusCode).toBe(503);
    expect(shed.headers['retry-after']).toBe('2');
    expect(shed.json()).toMatchObject({ statusCode: 503, message: expect.stringMatching(/overloaded \(eventLoopDelay\)/) });
    expect(health.statusCode).toBe(200);

    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/http_requests_shed_total\{reason="eventLoopDelay"\} 1/);
    expect(metrics).toMatch(/http_requests_total\{route="\/predict",method="POST",status_code="503"\} 1/);

    // A few quiet samples later the service accepts work again.
    const deadline = Date.now() + 3_000;
    let status = 503;
    while (status === 503 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 150));
      status = (await t.app.inject({ method: 'POST', url: '/predict', payload: 'garlic', headers: { 'content-type': 'text/plain' } })).statusCode;
    }
    expect(status).toBe(200);
  });
});
