import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { buildTestApp, TestApp } from '../support/app';

describe('request telemetry bookkeeping', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await buildTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
  });
  afterAll(() => t.app.close());

  async function inFlight(): Promise<number> {
    const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    // The scrape itself is in flight while it renders.
    return Number(/^http_requests_in_flight (\d+)/m.exec(text)?.[1]) - 1;
  }

  it('does not leak in-flight requests when clients disconnect mid-body', async () => {
    for (let i = 0; i < 5; i += 1) {
      await new Promise<void>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write('POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\npartial body');
          setTimeout(() => {
            socket.destroy();
            resolve();
          }, 50);
        });
      });
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(await inFlight()).toBe(0);
    expect(t.logs.filter((l) => l.msg === 'client disconnected before the response')).toHaveLength(5);
  });
});
