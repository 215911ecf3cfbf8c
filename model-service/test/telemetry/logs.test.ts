import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { LOKI_TRACE_ID_REGEX, TRACE_ID_LABEL } from '../../src/contract';
import { buildTestApp, TestApp } from '../support/app';

const REMOTE_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('request logs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({}, { tracer: new NodeTracerProvider().getTracer('test') });
    // Log from inside a request, like a route would, to check every line carries the ids.
    t.app.addHook('preHandler', async (request) => {
      request.log.info('inside the handler');
    });
  });
  afterAll(() => t.app.close());

  it('writes one completion line with method, route, status, duration and a trace token Loki can parse', async () => {
    t.logs.length = 0;
    const response = await t.app.inject({ method: 'POST', url: '/predict', payload: 'garlic bread', headers: { 'content-type': 'text/plain' } });
    expect(response.statusCode).toBe(200);
    const completion = t.logs.filter((l) => l.route === '/predict');
    expect(completion).toHaveLength(1);
    const line = completion[0];
    expect(line).toMatchObject({ level: 'info', method: 'POST', route: '/predict', status: 200 });
    expect(typeof line.durationMs).toBe('number');
    const traceId = line[TRACE_ID_LABEL] as string;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(line.span_id).toMatch(/^[0-9a-f]{16}$/);
    // The regex the synthesizer provisions as Grafana's Loki derived field.
    const match = new RegExp(LOKI_TRACE_ID_REGEX).exec(line.msg as string);
    expect(match?.[1]).toBe(traceId);
  });

  it('puts the request trace id on every line written while handling it', async () => {
    t.logs.length = 0;
    await t.app.inject({ method: 'POST', url: '/predict', payload: 'sail', headers: { 'content-type': 'text/plain' } });
    await t.app.inject({ method: 'POST', url: '/predict', payload: 'moon', headers: { 'content-type': 'text/plain' } });
    const ids = new Set(t.logs.map((l) => l[TRACE_ID_LABEL]));
    expect(t.logs.filter((l) => l.msg === 'inside the handler')).toHaveLength(2);
    expect(t.logs.every((l) => typeof l[TRACE_ID_LABEL] === 'string' && typeof l.span_id === 'string')).toBe(true);
    expect(ids.size).toBe(2);
  });

  it('continues an incoming W3C traceparent', async () => {
    t.logs.length = 0;
    await t.app.inject({
      method: 'POST', url: '/predict', payload: 'sail',
      headers: { 'content-type': 'text/plain', traceparent: `00-${REMOTE_TRACE_ID}-00f067aa0ba902b7-01` },
    });
    expect(t.logs.length).toBeGreaterThan(0);
    expect(t.logs.every((l) => l[TRACE_ID_LABEL] === REMOTE_TRACE_ID)).toBe(true);
  });

  it('logs rejected requests with their trace id and reason, and returns the id to the client', async () => {
    t.logs.length = 0;
    const response = await t.app.inject({ method: 'POST', url: '/predict', payload: '{"text":', headers: { 'content-type': 'application/json' } });
    expect(response.statusCode).toBe(400);
    const traceId = response.json().traceId;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const lines = t.logs.filter((l) => l[TRACE_ID_LABEL] === traceId);
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['rejected request']));
    expect(lines.find((l) => l.msg === 'rejected request')?.reason).toMatch(/malformed JSON/);
    expect(lines.find((l) => l.route === '/predict')).toMatchObject({ level: 'warn', status: 400 });
  });

  it('does not log documents unless logBodies is on', async () => {
    t.logs.length = 0;
    await t.app.inject({ method: 'POST', url: '/predict', payload: 'a private document', headers: { 'content-type': 'text/plain' } });
    expect(JSON.stringify(t.logs)).not.toContain('a private document');

    const verbose = await buildTestApp({ logBodies: true });
    try {
      await verbose.app.inject({ method: 'POST', url: '/predict', payload: 'a logged document', headers: { 'content-type': 'text/plain' } });
      expect(verbose.logs.find((l) => l.route === '/predict')?.body).toBe('a logged document');
    } finally {
      await verbose.app.close();
    }
  });
});
