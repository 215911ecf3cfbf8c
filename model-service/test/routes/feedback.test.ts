import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { PREDICTION_TRACE_ID_ATTRIBUTE, PREDICTION_TRACE_ID_LOG_FIELD } from '../../src/routes/feedback';
import { buildTestApp, TestApp } from '../support/app';

describe('POST /feedback', () => {
  let t: TestApp;
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

  beforeAll(async () => {
    t = await buildTestApp({ batchLimit: 3 }, { tracer: provider.getTracer('test') });
  });
  afterAll(async () => {
    await t.app.close();
    await provider.shutdown();
  });

  async function predict(text: string): Promise<{ predictionId: string; result: string }> {
    const response = await t.app.inject({ method: 'POST', url: '/predict', payload: text, headers: { 'content-type': 'text/plain' } });
    expect(response.statusCode).toBe(200);
    return response.json();
  }
  const feedback = (payload: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    t.app.inject({ method: 'POST', url: '/feedback', payload: typeof payload === 'string' ? payload : JSON.stringify(payload), headers });
  const metricsText = async () => (await t.app.inject({ method: 'GET', url: '/metrics' })).body;

  it('answers every prediction with a predictionId holding its trace id, and batches with one id per document', async () => {
    const one = await predict('The telescope showed a comet near the moon');
    expect(one.predictionId).toMatch(/^[0-9a-f]{32}-[0-9a-f]{16}$/);
    const batch = await t.app.inject({ method: 'POST', url: '/predict', payload: { texts: ['bake bread', 'hoist the sail'] } });
    const ids = batch.json().results.map((r: { predictionId: string }) => r.predictionId);
    expect(ids[0]).toMatch(/^[0-9a-f]{32}-[0-9a-f]{16}-0$/);
    expect(ids[1]).toBe(ids[0].replace(/-0$/, '-1'));
  });

  it('counts a right and a wrong label once each, per true and predicted class', async () => {
    const right = await predict('The telescope showed a comet near the moon');
    const wrong = await predict('knead the dough and bake the bread with garlic');
    expect([right.result, wrong.result]).toEqual(['astronomy', 'cooking']);

    const ok = await feedback({ predictionId: right.predictionId, label: 'astronomy' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ predictionId: right.predictionId, statusCode: 200, predicted: 'astronomy', correct: true });
    const miss = await feedback({ predictionId: wrong.predictionId, label: 'sailing' });
    expect(miss.json()).toMatchObject({ predicted: 'cooking', correct: false });

    const again = await feedback({ predictionId: right.predictionId, label: 'astronomy' });
    expect(again.statusCode).toBe(409);
    expect(again.json().message).toBe(`prediction "${right.predictionId}" already has feedback; it is counted once`);

    const text = await metricsText();
    expect(text).toContain('model_feedback_labelled_total{true_class="astronomy",predicted_class="astronomy"} 1');
    expect(text).toContain('model_feedback_labelled_total{true_class="sailing",predicted_class="cooking"} 1');
    expect(text).toContain('model_feedback_correct_total{class="astronomy"} 1');
    expect(text).toContain('model_feedback_correct_total{class="sailing"} 0');
    expect(text).toContain('model_feedback_rejected_total{reason="duplicate"} 1');
  });

  it('puts the prediction\'s trace id on the feedback span (with a link) and log line', async () => {
    const p = await predict('The telescope showed a comet near the moon');
    const [traceId, spanId] = p.predictionId.split('-');
    exporter.reset();
    t.logs.length = 0;
    await feedback({ predictionId: p.predictionId, label: 'astronomy' });
    const span = exporter.getFinishedSpans().find((s) => s.name === 'POST /feedback')!;
    expect(span.attributes[PREDICTION_TRACE_ID_ATTRIBUTE]).toBe(traceId);
    expect(span.links.map((l) => [l.context.traceId, l.context.spanId])).toEqual([[traceId, spanId]]);
    expect(span.spanContext().traceId).not.toBe(traceId);
    const line = t.logs.find((l) => l[PREDICTION_TRACE_ID_LOG_FIELD] !== undefined)!;
    expect(line).toMatchObject({ [PREDICTION_TRACE_ID_LOG_FIELD]: traceId, label: 'astronomy', predicted: 'astronomy', correct: true });
  });

  it('takes a batch and answers each item on its own', async () => {
    const a = await predict('The telescope showed a comet near the moon');
    const b = await predict('hoist the sail and trim the jib');
    const response = await feedback({
      feedback: [
        { predictionId: a.predictionId, label: 'astronomy' },
        { predictionId: a.predictionId, label: 'astronomy' },
        { predictionId: b.predictionId, label: 'pirates' },
      ],
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.counted).toBe(1);
    expect(body.results.map((r: { statusCode: number }) => r.statusCode)).toEqual([200, 409, 400]);
    expect(body.results[2].message).toBe('label "pirates" is not a class of this model; use one of astronomy, cooking, sailing');
  });

  it.each([
    ['an unknown id', { predictionId: '0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331', label: 'astronomy' }, 404,
      /^no prediction "0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331" is remembered: the id is not one \/predict returned, or the prediction is older than feedbackTtlSeconds \(3600 s\)/],
    ['an unknown label', 'LABEL', 400, 'label "rec.autos" is not a class of this model; use one of astronomy, cooking, sailing'],
    ['no label', { predictionId: 'x' }, 400, 'the body.label must be a non-empty string (the document\'s true class)'],
    ['a numeric id', { predictionId: 5, label: 'astronomy' }, 400, 'the body.predictionId must be a non-empty string (the predictionId /predict answered)'],
    ['an extra field', { predictionId: 'x', label: 'astronomy', score: 1 }, 400, /^the body has unknown field\(s\) "score"/],
    ['a JSON array', [1, 2], 400, /^the body is not a JSON object/],
    ['an empty batch', { feedback: [] }, 400, '"feedback" must be a non-empty array of {"predictionId", "label"} items'],
    ['a batch with extra keys', { feedback: [{}], more: 1 }, 400, /^a batch body holds only "feedback", not "more"/],
    ['a batch over batchLimit', { feedback: [{}, {}, {}, {}] }, 413, /^batch of 4 feedback items is over the limit of 3/],
  ])('refuses %s with %i and says why', async (_name, payload, status, message) => {
    const body = payload === 'LABEL' ? { predictionId: (await predict('bake bread')).predictionId, label: 'rec.autos' } : payload;
    const response = await feedback(body);
    expect(response.statusCode).toBe(status);
    if (typeof message === 'string') expect(response.json().message).toBe(message);
    else expect(response.json().message).toMatch(message);
  });

  const shape = 'send JSON {"predictionId": "<from /predict>", "label": "<true class>"}, or {"feedback": [ ... ]} for a batch';
  it.each([
    ['malformed JSON', '{"predictionId": ', 'application/json', 400,
      `malformed JSON body (Body is not valid JSON but content-type is set to 'application/json'): ${shape}`],
    ['an empty JSON body', '', 'application/json', 400, `empty JSON body: ${shape}`],
    ['an unsupported content type', 'abc', 'image/png', 415, `unsupported content type "image/png": ${shape}`],
    ['a plain-text body', 'astronomy', 'text/plain', 400, `the body is not a JSON object: ${shape}`],
  ])('answers %s with the body /feedback takes, not the one /predict takes', async (_name, payload, contentType, status, message) => {
    const response = await feedback(payload, { 'content-type': contentType });
    expect(response.statusCode).toBe(status);
    expect(response.json().message).toBe(message);
  });

  it.each([
    ['malformed JSON', '{"predictionId": ', 'application/json'],
    ['plain text', 'astronomy', 'text/plain'],
    ['an empty body', '', 'application/json'],
  ])('answers %s with a 4xx, never a 5xx', async (_name, payload, contentType) => {
    const response = await feedback(payload, { 'content-type': contentType });
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    expect(response.statusCode).toBeLessThan(500);
    expect(response.json().message.length).toBeGreaterThan(10);
  });
});
