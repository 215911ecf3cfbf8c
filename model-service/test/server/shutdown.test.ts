/**
 * SIGTERM while clients keep sending: every request the service accepted is
 * answered, readiness fails during the drain, and the process exits 0.
 *
 * The clients behave like a load balancer in front of the pod: they keep
 * sending until the service says it is draining (a response with
 * `Connection: close`), then go elsewhere. A client that kept opening new
 * connections to a closing listener could be reset by the kernel from the
 * accept backlog, which no server can prevent; the drain delay exists so that
 * does not happen in production.
 */
import { Agent, request } from 'node:http';
import { tinyModel } from '../support/model';
import { RunningModelService, startModelService } from '../support/service';

interface LoadResult {
  ok: number;
  failures: string[];
  refused: number;
  drained: number;
  /** Requests whose answer arrived after SIGTERM was sent: in flight or accepted during the drain. */
  answeredAfterSigterm: number;
}

function post(agent: Agent, port: number, body: string): Promise<{ status: number; draining: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/predict', method: 'POST', agent, headers: { 'content-type': 'text/plain' } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, draining: res.headers.connection === 'close' }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('graceful shutdown', () => {
  let service: RunningModelService;
  beforeAll(async () => {
    const model = await tinyModel();
    service = await startModelService({
      modelPath: model.modelPath,
      env: { SHUTDOWN_DRAIN_DELAY_MS: '700', MAX_EVENT_LOOP_DELAY_MS: '0', LOG_LEVEL: 'warn' },
    });
  }, 60_000);
  afterAll(() => service.stop());

  it('drops no accepted request on SIGTERM under load and exits 0', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const result: LoadResult = { ok: 0, failures: [], refused: 0, drained: 0, answeredAfterSigterm: 0 };
    let sigtermAt = Number.POSITIVE_INFINITY;
    const loop = async (): Promise<void> => {
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        try {
          const { status, draining } = await post(agent, service.port, 'the telescope and the moon');
          if (status === 200) result.ok += 1;
          else result.failures.push(`HTTP ${status}`);
          // Counted by when the answer arrives, not when the request left: whether a request
          // sent just before the signal is answered before or after it is a race, but every
          // request in flight at SIGTERM must still be answered.
          if (Date.now() >= sigtermAt) result.answeredAfterSigterm += 1;
          if (draining) {
            result.drained += 1;
            return;
          }
        } catch (err) {
          // Refused = the listener is closed: the request was never accepted.
          if ((err as NodeJS.ErrnoException).code === 'ECONNREFUSED') {
            result.refused += 1;
            return;
          }
          result.failures.push(`${(err as NodeJS.ErrnoException).code ?? ''} ${(err as Error).message}`);
        }
      }
    };
    const loops = Array.from({ length: 8 }, () => loop());
    await new Promise((r) => setTimeout(r, 1_000));

    sigtermAt = Date.now();
    const exited = service.signal('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    const ready = await fetch(`${service.url}/readyz`);
    expect(ready.status).toBe(503);

    const exitCode = await exited;
    await Promise.all(loops);
    agent.destroy();

    expect(result.failures).toEqual([]);
    expect(exitCode).toBe(0);
    expect(result.ok).toBeGreaterThan(50);
    expect(result.answeredAfterSigterm).toBeGreaterThan(0);
    expect(result.drained + result.refused).toBe(8);
  }, 60_000);
});
