/**
 * Stand-in for Tempo's OTLP/HTTP receiver in tests that only need to see what the service sent:
 * accepts POST /v1/traces in either encoding the service's exporter sends (OTLP/JSON or
 * OTLP/protobuf, decoded by the model service's bench decoder), answers 200 like Tempo, and keeps
 * what it received so a test can check the trace ids and the service.name Grafana's Tempo links
 * rely on. The real Tempo 2.0.0 is exercised by tempo-otlp.test.ts.
 */
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { decodeOtlp } from '../../../model-service/bench/otlp-sink';

export interface ReceivedSpan {
  readonly traceId: string;
  readonly name: string;
  readonly serviceName: string | undefined;
}

export interface OtlpReceiver {
  /** Base URL for OTEL_EXPORTER_OTLP_ENDPOINT (the exporter appends /v1/traces). */
  readonly url: string;
  readonly spans: ReceivedSpan[];
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      const contentType = req.headers['content-type'];
      try {
        const body = Buffer.concat(chunks);
        const decoded = decodeOtlp(contentType, req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body);
        for (const s of decoded) {
          const serviceName = s.resource['service.name'];
          spans.push({ traceId: s.traceId, name: s.name, serviceName: typeof serviceName === 'string' ? serviceName : undefined });
        }
      } catch (err) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end((err as Error).message);
        return;
      }
      // An empty ExportTraceServiceResponse in the request's encoding, as Tempo answers.
      const json = (contentType ?? '').startsWith('application/json');
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' }).end(json ? '{}' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
