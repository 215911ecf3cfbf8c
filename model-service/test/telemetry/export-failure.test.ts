/**
 * Which export failures are sent again: the errors otlp-exporter-base 0.222.0 reports, built as
 * it builds them (the retrying exporter's tests meet the real ones from a real endpoint).
 */
import { OTLPExporterError } from '@opentelemetry/otlp-exporter-base';
import { classifyExportFailure, describeExportError } from '../../src/tracing/export-failure';

const networkError = (code: string): Error => Object.assign(new Error(`connect ${code} 127.0.0.1:4318`), { code });

describe('classifyExportFailure', () => {
  it.each<[string, unknown]>([
    ['a retryable status (429, 502, 503, 504) once the library stops retrying it', new OTLPExporterError('Export failed with retryable status')],
    ['HTTP 503 with its status', new OTLPExporterError('Service Unavailable', 503)],
    ['HTTP 429', new OTLPExporterError('Too Many Requests', 429)],
    ['a refused connection', networkError('ECONNREFUSED')],
    ['a reset connection', networkError('ECONNRESET')],
    ['a name that does not resolve (yet)', networkError('ENOTFOUND')],
    ['a request that timed out', new Error('Request timed out')],
    ['too many exports in flight', new Error('Concurrent export limit reached')],
  ])('retries %s', (_what, error) => {
    expect(classifyExportFailure(error)).toBe('retryable');
  });

  it.each<[string, unknown]>([
    ['HTTP 400 (bad data)', new OTLPExporterError('Bad Request', 400, 'unknown field "flags"')],
    ['HTTP 413', new OTLPExporterError('Payload Too Large', 413)],
    ['HTTP 500', new OTLPExporterError('Internal Server Error', 500)],
    ['a status the library reported as unknown', new OTLPExporterError('Export failed with unknown error')],
    ['a network error the library does not retry', networkError('ECONNABORTED')],
    ['nothing to send (the serializer gave nothing)', new Error('Nothing to send')],
    ['no error at all', undefined],
    ['a thrown string', 'boom'],
  ])('does not retry %s', (_what, error) => {
    expect(classifyExportFailure(error)).toBe('permanent');
  });
});

describe('describeExportError', () => {
  it('gives an HTTP error its status and the start of the server\'s reason, on one line', () => {
    const body = `unknown field "flags" in v1.Span\n${'x'.repeat(500)}`;
    const line = describeExportError(new OTLPExporterError('Bad Request', 400, body));
    expect(line).toMatch(/^HTTP 400 Bad Request: unknown field "flags" in v1\.Span x+$/);
    expect(line.length).toBeLessThan(250);
  });

  it('keeps a network error\'s message, and names a missing error', () => {
    expect(describeExportError(networkError('ECONNREFUSED'))).toBe('connect ECONNREFUSED 127.0.0.1:4318');
    expect(describeExportError(undefined)).toBe('no error given');
  });
});
