import type { AddressInfo } from 'node:net';
import { feedbackForwarder } from '../../src/monitoring/feedback-peers';
import { buildTestApp, TestApp } from '../support/app';

/**
 * Feedback forwarding while the autoscaler adds and removes pods. Each pod listens on its own
 * loopback address and the same port, as pods of one Deployment do on their pod IPs; the headless
 * Service's DNS answer is a list the test changes as the endpoints controller would.
 */
describe('feedback forwarding as pods come and go', () => {
  /** The pod the Service sends the feedback to; it never listens (inject) and is its own address. */
  const SELF = '127.0.0.1';
  let receiver: TestApp;
  const pods = new Map<string, TestApp>();
  /** The headless Service's ready endpoints, as DNS answers them. */
  let endpoints: string[] = [SELF];
  const lookups: string[][] = [];
  let port = 0;

  const startPod = async (address: string): Promise<TestApp> => {
    const pod = await buildTestApp();
    await pod.app.listen({ port, host: address });
    port = (pod.app.server.address() as AddressInfo).port;
    pods.set(address, pod);
    return pod;
  };
  const stopPod = async (address: string): Promise<void> => {
    await pods.get(address)!.app.close();
    pods.delete(address);
  };

  beforeAll(async () => {
    await startPod('127.0.0.2');
    endpoints = [SELF, '127.0.0.2'];
    receiver = await buildTestApp({}, {
      feedbackForwarder: feedbackForwarder({
        dnsName: 'model-service-peers.ns.svc',
        port,
        timeoutMs: 1000,
        resolve: async () => {
          lookups.push([...endpoints]);
          return [...endpoints];
        },
        selfAddresses: new Set([SELF]),
      }),
    });
  });
  afterAll(async () => {
    await receiver.app.close();
    await Promise.all([...pods.keys()].map(stopPod));
  });

  const predictOn = async (address: string) =>
    (await pods.get(address)!.app.inject({ method: 'POST', url: '/predict', payload: 'The telescope showed a comet' })).json().predictionId as string;
  const feedback = (predictionId: string) => receiver.app.inject({ method: 'POST', url: '/feedback', payload: { predictionId, label: 'astronomy' } });
  const labelledOn = async (t: TestApp) => {
    const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    return Number(text.split('\n').find((l) => l.startsWith('model_feedback_labelled_total{true_class="astronomy"'))?.split(' ')[1] ?? 0);
  };

  it('reaches a pod added after it started (scale out), resolving the peers afresh for each request', async () => {
    const before = await predictOn('127.0.0.2');
    expect((await feedback(before)).statusCode).toBe(200);

    await startPod('127.0.0.3');
    endpoints = [SELF, '127.0.0.2', '127.0.0.3'];
    const onNewPod = await predictOn('127.0.0.3');
    const response = await feedback(onNewPod);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ predictionId: onNewPod, correct: true });
    expect(await labelledOn(pods.get('127.0.0.3')!)).toBe(1);
    expect(lookups.at(-1)).toEqual([SELF, '127.0.0.2', '127.0.0.3']);
  });

  it('keeps answering when a pod is removed (scale in): the survivors\' predictions still get feedback, the removed pod\'s are a 404, never a 5xx', async () => {
    const onLeaving = await predictOn('127.0.0.2');
    const onStaying = await predictOn('127.0.0.3');
    // Scale in: the endpoints controller drops the pod, then it exits with what it remembered.
    endpoints = [SELF, '127.0.0.3'];
    await stopPod('127.0.0.2');
    expect((await feedback(onStaying)).statusCode).toBe(200);
    const lost = await feedback(onLeaving);
    expect(lost.statusCode).toBe(404);
    expect(lost.json().message).toMatch(new RegExp(`^no prediction "${onLeaving}" is remembered`));
  });

  it('tolerates a stale answer that still lists a gone pod (a cached DNS reply) and an answer with no peers at all', async () => {
    const onStaying = await predictOn('127.0.0.3');
    endpoints = [SELF, '127.0.0.2', '127.0.0.3'];
    expect((await feedback(onStaying)).statusCode).toBe(200);

    const another = await predictOn('127.0.0.3');
    endpoints = [SELF];
    expect((await feedback(another)).statusCode).toBe(404);
    endpoints = [SELF, '127.0.0.3'];
    expect((await feedback(another)).statusCode).toBe(200);
  });
});
