import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import Fastify, { FastifyInstance } from 'fastify';
import { registerResponseCoalescing } from '../../src/plugins/response-coalescing';
import { buildTestApp, TestApp } from '../support/app';

/**
 * Adds a route at `url` that notes when its event-loop turn ends, and an
 * `onSend` hook that notes when a response goes out. Added after the service's
 * (or the plugin's) own hooks, the hook runs when a held response is released.
 */
function recordSendOrder(app: FastifyInstance, url: string): string[] {
  const events: string[] = [];
  app.get(url, async () => {
    setImmediate(() => events.push('turn ended'));
    return 'ok';
  });
  app.addHook('onSend', (_request, _reply, payload, done) => {
    events.push('response sent');
    done(null, payload);
  });
  return events;
}

/** A bare app with the ordering route, with or without the plugin. */
async function orderingApp(coalesce: boolean): Promise<{ app: FastifyInstance; events: string[] }> {
  const app = Fastify();
  if (coalesce) registerResponseCoalescing(app);
  const events = recordSendOrder(app, '/');
  await app.ready();
  return { app, events };
}

describe('response coalescing', () => {
  it('holds a response until the end of the event-loop turn that produced it', async () => {
    const { app, events } = await orderingApp(true);
    const response = await app.inject({ method: 'GET', url: '/' });
    expect(response.body).toBe('ok');
    expect(events).toEqual(['turn ended', 'response sent']);
    await app.close();
  });

  it('sends at once when it is not registered (the comparison the test above relies on)', async () => {
    const { app, events } = await orderingApp(false);
    await app.inject({ method: 'GET', url: '/' });
    expect(events[0]).toBe('response sent');
    await app.close();
  });

  describe('in the service, over real sockets', () => {
    let t: TestApp;
    let base: string;
    beforeAll(async () => {
      t = await buildTestApp();
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    });
    afterAll(() => t.app.close());

    /** One document answered on its own connection: the reference for the coalesced answers. */
    const predictAlone = async (body: string): Promise<string> => withoutId((await fetch(`${base}/predict`, { method: 'POST', body })).text());
    /** The answer without its predictionId, which is each request's own. */
    const withoutId = async (text: Promise<string> | string): Promise<string> => (await text).replace(/,"predictionId":"[0-9a-f-]+"/, '');

    it('gives every one of many concurrent requests its own answer, errors included', async () => {
      const documents = ['the goalie stopped the puck', 'my engine needs a new clutch', 'a home run in the ninth inning',
        'the rider leaned into the corner on his bike'];
      const alone = await Promise.all(documents.map(predictAlone));

      const requests = Array.from({ length: 64 }, (_, i) => i);
      const answers = await Promise.all(requests.map(async (i) => {
        // Every fifth request is a client error, so error answers are coalesced with the rest.
        const body = i % 5 === 4 ? '' : documents[i % documents.length];
        const response = await fetch(`${base}/predict`, { method: 'POST', body });
        return { i, status: response.status, text: await response.text() };
      }));
      for (const { i, status, text } of answers) {
        if (i % 5 === 4) {
          expect(status).toBe(400);
          expect(JSON.parse(text)).toMatchObject({ statusCode: 400 });
        } else {
          expect(status).toBe(200);
          expect(await withoutId(text)).toBe(alone[i % documents.length]);
        }
      }
      // ... and each its own prediction id.
      const ids = answers.filter((a) => a.status === 200).map((a) => JSON.parse(a.text).predictionId as string);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('answers pipelined requests on one connection in order', async () => {
      const { port } = t.app.server.address() as AddressInfo;
      const documents = ['the goalie stopped the puck', '', 'my engine needs a new clutch'];
      const raw = documents.map((d) => `POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n`
        + `Content-Length: ${Buffer.byteLength(d)}\r\n\r\n${d}`).join('')
        + 'GET /no-such-route HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
      const received = await new Promise<string>((resolve, reject) => {
        let text = '';
        const socket = connect(port, '127.0.0.1', () => socket.write(raw));
        socket.on('data', (chunk: Buffer) => { text += chunk.toString('utf8'); });
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      const statuses = [...received.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
      expect(statuses).toEqual([200, 400, 200, 404]);
      const results = [...received.matchAll(/"result":"([^"]+)"/g)].map((m) => m[1]);
      expect(results).toHaveLength(2);
      expect(results[0]).toBe(JSON.parse(await predictAlone(documents[0])).result);
      expect(results[1]).toBe(JSON.parse(await predictAlone(documents[2])).result);
    });
  });

  it.each([
    [true, ['turn ended', 'response sent']],
    [false, ['response sent', 'turn ended']],
  ])('is wired into the service by the coalesceResponses setting (%s)', async (coalesceResponses, expected) => {
    const t = await buildTestApp({ coalesceResponses });
    const events = recordSendOrder(t.app, '/turn');
    await t.app.inject({ method: 'GET', url: '/turn' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(expected);
    await t.app.close();
  });
});
