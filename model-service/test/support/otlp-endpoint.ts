/**
 * An OTLP/HTTP traces endpoint a test can take away and bring back: a real node:http server that
 * decodes what the exporter sends (OTLP/JSON or protobuf, with bench/otlp-sink.ts's decoders),
 * answers each request with the status a test chooses (200, 503, 400, or no answer at all), and
 * can stop listening, so that connections are refused, and listen again on the same port.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { decodeOtlp, ReceivedSpan } from '../../bench/otlp-sink';

/** What to answer a request carrying `spans`: an HTTP status, or 'hang' to never answer. */
export type Answer = number | 'hang';

export interface OtlpEndpoint {
  /** The full traces URL (…/v1/traces). */
  readonly url: string;
  /** Spans of the requests answered 2xx, in the order they arrived. */
  readonly accepted: ReceivedSpan[];
  /** Every answer given (or 'hang'), in order. */
  readonly answers: Answer[];
  /** Decides each answer; default 200. */
  answer: (spans: readonly ReceivedSpan[], request: number) => Answer;
  /** Stops listening and drops open connections: new connections are refused. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  /** Resolves once `count` spans were accepted; rejects after `timeoutMs`. */
  waitForAccepted(count: number, timeoutMs?: number): Promise<void>;
}

export async function startOtlpEndpoint(): Promise<OtlpEndpoint> {
  const accepted: ReceivedSpan[] = [];
  const answers: Answer[] = [];
  const hung: ServerResponse[] = [];
  const waiters = new Set<() => void>();

  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    const spans = decodeOtlp(req.headers['content-type'], body);
    const answer = endpoint.answer(spans, answers.length);
    answers.push(answer);
    if (answer === 'hang') {
      hung.push(res);
      return;
    }
    if (answer >= 200 && answer < 300) {
      accepted.push(...spans);
      for (const wake of waiters) wake();
    }
    res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer < 300 ? '' : `answered ${answer} by the test`);
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks)));
  });
  const listen = (port: number): Promise<void> => new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  await listen(0);
  const { port } = server.address() as AddressInfo;

  const endpoint: OtlpEndpoint = {
    url: `http://127.0.0.1:${port}/v1/traces`,
    accepted,
    answers,
    answer: () => 200,
    stop: () => new Promise((resolve) => {
      for (const res of hung.splice(0)) res.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
    start: () => listen(port),
    waitForAccepted: (count, timeoutMs = 10_000) => new Promise((resolve, reject) => {
      const check = (): void => {
        if (accepted.length < count) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`OTLP endpoint: expected ${count} spans within ${timeoutMs} ms, got ${accepted.length}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    }),
  };
  return endpoint;
}
