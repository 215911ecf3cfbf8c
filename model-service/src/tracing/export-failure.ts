/**
 * Whether a failed span export is worth sending again, judged on the `ExportResult.error` that
 * @opentelemetry/otlp-exporter-base 0.222.0 (pinned exactly) hands back. What it carries
 * (otlp-export-delegate.js, transport/http-transport-utils.js):
 * - an HTTP status the library does not retry (400, 401, 404, 413, 500, ...): an
 *   `OTLPExporterError` whose numeric `code` is the status;
 * - a status it does retry (429, 502, 503, 504) still failing when its own retries stop: a
 *   code-less `OTLPExporterError('Export failed with retryable status')`: the status is lost;
 * - a network error: Node's error, whose string `code` is e.g. 'ECONNREFUSED';
 * - a request that timed out: `Error('Request timed out')`, no code;
 * - too many exports in flight: `Error('Concurrent export limit reached')`.
 * The sets below are the library's own (isExportHTTPErrorRetryable,
 * isHttpTransportNetworkErrorRetryable, neither exported), so that we retry exactly what it would
 * have retried, only without its deadline. Everything else (bad data, a response too large, an
 * unknown failure) is permanent: sending the same batch again would fail again and hold up every
 * batch behind it.
 */

export type ExportFailureKind = 'retryable' | 'permanent';

const RETRYABLE_HTTP_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

const RETRYABLE_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', 'ENETUNREACH', 'EHOSTUNREACH',
]);

/** Errors the library reports by message only. */
const RETRYABLE_MESSAGES: ReadonlySet<string> = new Set([
  'Export failed with retryable status',
  'Request timed out',
  'Concurrent export limit reached',
]);

/**
 * The fields we judge on. Read by shape, not `instanceof Error`: an error made in another realm
 * (Node's own network errors, seen from a Jest test's context) is no instance of this realm's Error.
 */
interface ErrorLike {
  readonly message?: unknown;
  readonly name?: unknown;
  readonly code?: unknown;
  readonly data?: unknown;
}

function asErrorLike(error: unknown): ErrorLike | undefined {
  return typeof error === 'object' && error !== null ? error : undefined;
}

export function classifyExportFailure(error: unknown): ExportFailureKind {
  const e = asErrorLike(error);
  if (e === undefined) return 'permanent';
  if (typeof e.code === 'number') return RETRYABLE_HTTP_STATUSES.has(e.code) ? 'retryable' : 'permanent';
  if (typeof e.code === 'string') return RETRYABLE_NETWORK_CODES.has(e.code) ? 'retryable' : 'permanent';
  return typeof e.message === 'string' && RETRYABLE_MESSAGES.has(e.message) ? 'retryable' : 'permanent';
}

/** Most characters of a response body quoted in a log line. */
const MAX_BODY_CHARS = 200;

/** One line for a log: the message, and for an HTTP error its status and the start of the body (the server's reason). */
export function describeExportError(error: unknown): string {
  const e = asErrorLike(error);
  if (e === undefined) return error === undefined ? 'no error given' : String(error);
  const { code, data } = e;
  const message = (typeof e.message === 'string' ? e.message.trim() : '') || String(e.name ?? 'unknown error');
  if (typeof code !== 'number') return message;
  const body = typeof data === 'string' ? data.replace(/\s+/g, ' ').trim().slice(0, MAX_BODY_CHARS) : '';
  return `HTTP ${code} ${message}${body === '' ? '' : `: ${body}`}`;
}
