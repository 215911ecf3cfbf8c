/**
 * Open-loop load for the fault tests: real documents POSTed to /predict at a fixed rate, each with
 * its own W3C `traceparent` (sampled), so the sender knows every trace id it should later find in
 * Tempo and in Loki. Open loop (requests leave on schedule, not after the previous answer) so that
 * a slow service shows up as latency instead of as fewer requests.
 */
import { randomBytes } from 'node:crypto';
import { ROUTES } from '../../../model-service/src/contract';

export interface SentRequest {
  readonly traceId: string;
  /** Epoch ms when it left. */
  readonly sentAt: number;
  /** HTTP status, or 0 when no answer came (connection refused, reset, timeout). */
  status: number;
  latencyMs: number;
}

export interface SteadyLoadOptions {
  readonly serviceUrl: string;
  readonly documents: readonly string[];
  readonly requestsPerSecond: number;
  /** The load stops after this long (and never sends more than rate × duration requests). */
  readonly durationMs: number;
  /** A request with no answer after this long counts as failed. @default 10 s */
  readonly timeoutMs?: number;
}

/** A random, valid W3C trace id (32 hex digits, not all zero). */
function newTraceId(): string {
  return randomBytes(16).toString('hex');
}

async function sendOne(url: string, document: string, timeoutMs: number): Promise<SentRequest> {
  const traceId = newTraceId();
  const sentAt = Date.now();
  const started = performance.now();
  const request: SentRequest = { traceId, sentAt, status: 0, latencyMs: 0 };
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8', traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
      body: document,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.arrayBuffer();
    request.status = response.status;
  } catch {
    request.status = 0;
  }
  request.latencyMs = performance.now() - started;
  return request;
}

/** Sends `requestsPerSecond` for `durationMs` (loopback only); resolves with every request once all have answered. */
export async function runSteadyLoad(options: SteadyLoadOptions): Promise<SentRequest[]> {
  const url = new URL(ROUTES.predict, options.serviceUrl);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) throw new Error(`the fault tests send load to loopback only, not to ${url.host}`);
  const total = Math.floor((options.requestsPerSecond * options.durationMs) / 1000);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const pending: Promise<SentRequest>[] = [];
  const start = performance.now();
  // Every 5 ms, send what the schedule says is due: steady on average, whatever the timer's jitter.
  while (pending.length < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * options.requestsPerSecond) / 1000));
    while (pending.length < due) pending.push(sendOne(url.href, options.documents[pending.length % options.documents.length], timeoutMs));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return Promise.all(pending);
}

/** The p-th percentile (0-100) of the values, nearest rank; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
