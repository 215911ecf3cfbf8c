/**
 * A span exporter that keeps what it could not send and sends it again until the endpoint takes
 * it, so that a restart of the OTLP endpoint (the node's Alloy, down for tens of seconds) costs no
 * span. It sits between the BatchSpanProcessor and the OTLP exporter.
 *
 * Why it is needed: the library's OTLP exporter retries a refused connection at most 5 times, all
 * within one export's timeout (otlp-exporter-base 0.222.0, retrying-transport.js), then reports the
 * batch failed, and the BatchSpanProcessor drops it; while that export is stuck, the processor's
 * queue fills and overflows. Measured before this exporter (`npm run e2e:faults -- --faults
 * alloy`, Alloy down 15 s at 200 requests/s): 966 of 5,000 sampled spans lost.
 *
 * Why hand-written: no maintained JavaScript package retries OTLP exports without a deadline into
 * a bounded buffer; the OpenTelemetry Collector's sending queue does this, but in Go.
 *
 * What it does: `export()` takes the batch and answers success at once, so the processor never
 * waits, times out or logs a failure. Batches wait in a FIFO bounded by a span count; one request
 * is in flight at a time, oldest first; a batch whose export fails with a retryable error
 * (export-failure.ts) is sent again after an exponential backoff with jitter, for as long as it
 * takes. A batch refused for good (HTTP 400: bad data) is dropped and counted, so it cannot hold
 * up the rest. Spans that find the buffer full are dropped and counted: memory stays bounded.
 */
import { context, diag } from '@opentelemetry/api';
import { ExportResult, ExportResultCode, suppressTracing } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { classifyExportFailure, describeExportError } from './export-failure';
import { SpanBufferStatus, SpanDropReason } from './span-buffer-status';

/** The environment variable that sets `maxBufferedSpans` (read in setup.ts). */
export const RETRY_BUFFER_VARIABLE = 'TRACES_RETRY_BUFFER_SPANS';

export interface RetryingSpanExporterOptions {
  /** Most spans held at once, the batch being sent included; spans beyond it are dropped and counted. */
  readonly maxBufferedSpans: number;
  /**
   * Most spans sent in one request. Small batches queued during an outage are sent together up
   * to this size: fewer requests once the endpoint is back, same order.
   * @default 512
   */
  readonly maxExportBatchSize?: number;
  /** Wait before the first retry; it doubles with each failure in a row. @default 1000 */
  readonly initialBackoffMs?: number;
  /** Longest wait between retries. @default 30000 */
  readonly maxBackoffMs?: number;
  /**
   * An export that has not answered after this long counts as timed out, and is retried. A last
   * resort: the exporter bounds a request itself (OTEL_EXPORTER_OTLP_TIMEOUT, 10 s by default,
   * retries included), but Node's request timeout is an idle timeout, and a server that trickles
   * bytes would otherwise hold up every batch behind this one for ever.
   * @default 60000
   */
  readonly attemptTimeoutMs?: number;
  /**
   * How long `forceFlush()` and `shutdown()` wait for the buffer to empty. 5 s: half of the
   * server's default shutdownTimeoutMs (10 s), which also has to cover draining requests.
   * @default 5000
   */
  readonly drainTimeoutMs?: number;
  /** Where failures, drops and recoveries are reported. @default - diag.warn (setup.ts rate-limits it) */
  readonly report?: (message: string) => void;
  /** Source of the backoff jitter, in [0, 1). @default Math.random */
  readonly random?: () => number;
}

/** Each backoff is its nominal value ± this share, so that pods restarted together do not retry in step. */
const JITTER = 0.2;

export class RetryingSpanExporter implements SpanExporter {
  private readonly maxBufferedSpans: number;
  private readonly maxExportBatchSize: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly attemptTimeoutMs: number;
  private readonly drainTimeoutMs: number;
  private readonly report: (message: string) => void;
  private readonly random: () => number;

  /** Batches waiting, oldest first; the one being sent stays at the head until it is settled. */
  private readonly queue: ReadableSpan[][] = [];
  private queuedSpans = 0;
  private sending = false;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Failed attempts in a row, and when the first of them ended. */
  private failures = 0;
  private failingSince = 0;
  private lastError = '';
  private readonly dropped: Record<SpanDropReason, number> = { buffer_full: 0, rejected: 0, shutdown: 0 };
  private readonly drainWaiters = new Set<() => void>();
  private shutdownOnce: Promise<void> | undefined;
  /** Set once shutdown has finished or given up: a late answer to the last attempt changes nothing. */
  private closed = false;

  constructor(private readonly exporter: SpanExporter, options: RetryingSpanExporterOptions) {
    this.maxBufferedSpans = options.maxBufferedSpans;
    this.maxExportBatchSize = options.maxExportBatchSize ?? 512;
    this.initialBackoffMs = options.initialBackoffMs ?? 1_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? 60_000;
    this.drainTimeoutMs = options.drainTimeoutMs ?? 5_000;
    this.report = options.report ?? ((message) => diag.warn(message));
    this.random = options.random ?? Math.random;
    for (const [name, value] of Object.entries({
      maxBufferedSpans: this.maxBufferedSpans, maxExportBatchSize: this.maxExportBatchSize, initialBackoffMs: this.initialBackoffMs,
      maxBackoffMs: this.maxBackoffMs, attemptTimeoutMs: this.attemptTimeoutMs, drainTimeoutMs: this.drainTimeoutMs,
    })) {
      if (!Number.isInteger(value) || value <= 0) throw new Error(`RetryingSpanExporter: ${name} must be a positive integer, got ${value}`);
    }
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.shutdownOnce !== undefined) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('span exporter is shut down') });
      return;
    }
    const room = Math.max(0, this.maxBufferedSpans - this.queuedSpans);
    const kept = spans.length <= room ? spans : spans.slice(0, room);
    if (kept.length < spans.length) {
      this.drop('buffer_full', spans.length - kept.length);
      this.report(
        `span export buffer full (${this.maxBufferedSpans} spans, raise ${RETRY_BUFFER_VARIABLE} to hold more): dropped `
          + `${spans.length - kept.length} new spans, ${this.dropped.buffer_full} since start`
          + (this.failures === 0 ? '' : `; the endpoint has been failing for ${this.failingSeconds()} s: ${this.lastError}`),
      );
    }
    if (kept.length > 0) {
      this.queue.push(kept);
      this.queuedSpans += kept.length;
      this.sendNext();
    }
    // The batch is ours now, kept or counted: the processor must neither wait for it nor report it failed.
    resultCallback({ code: ExportResultCode.SUCCESS });
  }

  /** Resolves once everything buffered is sent, or after `drainTimeoutMs`, whichever comes first. */
  async forceFlush(): Promise<void> {
    await this.drain();
  }

  /**
   * Sends what is buffered, for up to `drainTimeoutMs`, then stops; reports how many spans it
   * gave up on. Resolves either way: shutdown must not hang on an endpoint that is away.
   */
  shutdown(): Promise<void> {
    this.shutdownOnce ??= this.stop();
    return this.shutdownOnce;
  }

  status(): SpanBufferStatus {
    return { bufferedSpans: this.queuedSpans, capacitySpans: this.maxBufferedSpans, droppedSpans: { ...this.dropped } };
  }

  private async stop(): Promise<void> {
    const drained = await this.drain();
    this.closed = true;
    if (drained) {
      await this.exporter.shutdown();
      return;
    }
    const given = this.queuedSpans;
    this.queue.length = 0;
    this.queuedSpans = 0;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.drop('shutdown', given);
    this.report(
      `span export: gave up at shutdown on ${given} spans not sent within ${this.drainTimeoutMs} ms`
        + (this.lastError === '' ? ' (the endpoint had not answered yet)' : ` (last error: ${this.lastError})`),
    );
    // The exporter's own shutdown waits for the request in flight, which is what did not finish.
    this.exporter.shutdown().catch(() => undefined);
  }

  /** Waits for an empty buffer (true) or `drainTimeoutMs` (false); a retry waiting out its backoff goes now. */
  private drain(): Promise<boolean> {
    if (this.queue.length === 0) return Promise.resolve(true);
    if (this.retryTimer !== undefined) {
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      this.sendNext();
    }
    return new Promise((resolve) => {
      const finish = (drained: boolean): void => {
        clearTimeout(timer);
        this.drainWaiters.delete(wake);
        resolve(drained);
      };
      const wake = (): void => finish(true);
      // Not unref'd: a process awaiting its shutdown must not exit before this bound.
      const timer = setTimeout(() => finish(false), this.drainTimeoutMs);
      this.drainWaiters.add(wake);
    });
  }

  private sendNext(): void {
    if (this.sending || this.retryTimer !== undefined || this.closed || this.queue.length === 0) return;
    const batch = this.headBatch();
    this.sending = true;
    void this.attempt(batch).then((result) => this.settle(batch, result));
  }

  /** The head of the queue, joined with the batches behind it while they fit in one request. */
  private headBatch(): ReadableSpan[] {
    let count = 1;
    let size = this.queue[0].length;
    while (count < this.queue.length && size + this.queue[count].length <= this.maxExportBatchSize) {
      size += this.queue[count].length;
      count += 1;
    }
    if (count > 1) this.queue.unshift(this.queue.splice(0, count).flat());
    return this.queue[0];
  }

  /** One export of `batch`: its result, or a timeout after `attemptTimeoutMs`. Never rejects. */
  private attempt(batch: ReadableSpan[]): Promise<ExportResult> {
    return new Promise((resolve) => {
      let settled = false;
      const settle = (result: ExportResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const timer = setTimeout(() => settle({
        code: ExportResultCode.FAILED,
        error: Object.assign(new Error(`no answer within ${this.attemptTimeoutMs} ms`), { code: 'ETIMEDOUT' }),
      }), this.attemptTimeoutMs);
      timer.unref();
      try {
        // As the processor does: the export's own HTTP request must not be traced, should an HTTP
        // instrumentation ever be registered.
        context.with(suppressTracing(context.active()), () => this.exporter.export(batch, settle));
      } catch (error) {
        // The serializer throws on spans it cannot encode: bad data, not worth sending again.
        settle({ code: ExportResultCode.FAILED, error: typeof error === 'object' && error !== null ? error as Error : new Error(String(error)) });
      }
    });
  }

  private settle(batch: ReadableSpan[], result: ExportResult): void {
    this.sending = false;
    if (this.closed) return;
    if (result.code === ExportResultCode.SUCCESS) {
      this.removeHead(batch);
      if (this.failures > 0) {
        this.report(
          `span export recovered after ${this.failures} failed attempt${this.failures === 1 ? '' : 's'} over ${this.failingSeconds()} s; `
            + `${this.queuedSpans} spans still buffered, sending`,
        );
      }
      this.failures = 0;
      this.lastError = '';
    } else if (classifyExportFailure(result.error) === 'retryable') {
      this.retryLater(describeExportError(result.error));
      return;
    } else {
      this.removeHead(batch);
      this.drop('rejected', batch.length);
      this.report(`span export rejected, ${batch.length} spans dropped (not retried: sending them again would fail again): ${describeExportError(result.error)}`);
    }
    if (this.queue.length === 0) for (const wake of [...this.drainWaiters]) wake();
    this.sendNext();
  }

  private retryLater(error: string): void {
    if (this.failures === 0) this.failingSince = Date.now();
    this.failures += 1;
    this.lastError = error;
    const nominal = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** Math.min(this.failures - 1, 30));
    const delay = Math.round(nominal * (1 + JITTER * (2 * this.random() - 1)));
    this.report(`span export failed, retrying in ${(delay / 1000).toFixed(1)} s with ${this.queuedSpans} spans buffered: ${error}`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.sendNext();
    }, delay);
    // A retry alone does not keep the process alive (the processor's own timer does not either).
    this.retryTimer.unref();
  }

  private removeHead(batch: ReadableSpan[]): void {
    // The head is `batch`: only settle() removes it, and only one attempt is in flight.
    this.queue.shift();
    this.queuedSpans -= batch.length;
  }

  private drop(reason: SpanDropReason, count: number): void {
    this.dropped[reason] += count;
  }

  private failingSeconds(): string {
    return this.failures === 0 ? '0' : ((Date.now() - this.failingSince) / 1000).toFixed(0);
  }
}
