import type { AddressInfo } from 'node:net';
import { FEEDBACK_FORWARDED_HEADER } from '../../src/contract';
import { feedbackForwarder } from '../../src/monitoring/feedback-peers';
import { buildTestApp, TestApp } from '../support/app';

/** Two pods of one service: feedback sent to A for a prediction B made is answered by B and counted there. */
describe('feedback forwarded to the pod that made the prediction', () => {
  let a: TestApp;
  let b: TestApp;
  let closedPort: number;

  beforeAll(async () => {
    b = await buildTestApp();
    await b.app.listen({ port: 0, host: '127.0.0.1' });
    const bPort = (b.app.server.address() as AddressInfo).port;
    const peers = feedbackForwarder({ dnsName: 'model-service-peers', port: bPort, resolve: async () => ['127.0.0.1', '10.0.0.7'], selfAddresses: new Set(['10.0.0.7']) });
    a = await buildTestApp({}, { feedbackForwarder: peers });
    // A port nothing listens on: a peer that is down.
    const probe = await buildTestApp();
    await probe.app.listen({ port: 0, host: '127.0.0.1' });
    closedPort = (probe.app.server.address() as AddressInfo).port;
    await probe.app.close();
  });
  afterAll(async () => {
    await a.app.close();
    await b.app.close();
  });

  const predictOn = async (t: TestApp) => (await t.app.inject({ method: 'POST', url: '/predict', payload: 'The telescope showed a comet' })).json().predictionId as string;
  const feedbackTo = (t: TestApp, body: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/feedback', payload: body as object, headers });
  const counter = async (t: TestApp, line: string) => {
    const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    return Number(text.split('\n').find((l) => l.startsWith(`${line} `))?.split(' ')[1] ?? NaN);
  };

  it('answers from the peer, counts on the peer only, and a repeat is a 409 from the peer', async () => {
    const id = await predictOn(b);
    const first = await feedbackTo(a, { predictionId: id, label: 'astronomy' });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ predictionId: id, statusCode: 200, predicted: 'astronomy', correct: true });
    expect(await counter(b, 'model_feedback_labelled_total{true_class="astronomy",predicted_class="astronomy"}')).toBe(1);
    expect(await counter(a, 'model_feedback_labelled_total{true_class="astronomy",predicted_class="astronomy"}')).toBeNaN();
    expect(await counter(a, 'model_feedback_rejected_total{reason="unknown_prediction"}')).toBe(0);

    const again = await feedbackTo(a, { predictionId: id, label: 'astronomy' });
    expect(again.statusCode).toBe(409);
    expect(again.json().message).toBe(`prediction "${id}" already has feedback; it is counted once`);
  });

  it('answers 404 when no pod remembers the id, counting the miss once, on the pod that was asked', async () => {
    const unknown = { predictionId: `${'a'.repeat(32)}-${'b'.repeat(16)}`, label: 'cooking' };
    const response = await feedbackTo(a, unknown);
    expect(response.statusCode).toBe(404);
    expect(await counter(a, 'model_feedback_rejected_total{reason="unknown_prediction"}')).toBe(1);
    expect(await counter(b, 'model_feedback_rejected_total{reason="unknown_prediction"}')).toBe(0);
  });

  it('never forwards a forwarded request again', async () => {
    const forwarded = await feedbackTo(b, { predictionId: `${'c'.repeat(32)}-${'d'.repeat(16)}`, label: 'cooking' }, { [FEEDBACK_FORWARDED_HEADER]: '1' });
    expect(forwarded.statusCode).toBe(404);
  });

  it('answers 404, not 5xx, when the peers are down or the name does not resolve', async () => {
    for (const forwarder of [
      feedbackForwarder({ dnsName: 'x', port: closedPort, resolve: async () => ['127.0.0.1'], selfAddresses: new Set() }),
      feedbackForwarder({ dnsName: 'x', port: closedPort, resolve: async () => { throw new Error('ENOTFOUND'); } }),
    ]) {
      expect(await forwarder({ predictionId: 'x', label: 'cooking' })).toBeUndefined();
    }
  });
});
