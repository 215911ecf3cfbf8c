/** What the system says for each network failure, in words; the code stays in brackets for searching. */
const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused: nothing listens there',
  ECONNRESET: 'the connection was reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'the connection closed unexpectedly',
};

/**
 * Node's fetch reports every network failure as `TypeError: fetch failed` and keeps the reason in
 * `cause`; an AbortSignal.timeout() ends it with a TimeoutError. This says which it was.
 */
export function describeFetchError(error: unknown): string {
  const err = error as Error & { cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError') return 'no answer in time';
  const code = err?.cause?.code;
  if (code !== undefined) return `${REASONS[code] ?? err.cause?.message ?? 'network error'} (${code})`;
  return err?.cause?.message ?? err?.message ?? String(error);
}
