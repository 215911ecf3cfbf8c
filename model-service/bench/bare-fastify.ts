/**
 * The HTTP ceiling for `npm run bench:http`, scenario (a): a bare Fastify app
 * whose POST /predict reads the text body and answers a constant. No logging,
 * metrics or tracing; same Fastify version and body handling as the service.
 */
import Fastify from 'fastify';
import { ROUTES } from '../src/contract';

const port = Number(process.argv[2] ?? 3011);
const app = Fastify({ logger: false });
const answer = { result: 'rec.autos', modelVersion: 'constant' };
app.post(ROUTES.predict, async () => answer);
app.get(ROUTES.health, async () => ({ status: 'ok' }));
app.listen({ port, host: '127.0.0.1' }).catch((err: Error) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
process.once('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
