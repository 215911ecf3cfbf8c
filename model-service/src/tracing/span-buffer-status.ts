/**
 * What the span export buffer holds and has given up on, for the metrics registry. Tracing is
 * set up in a preload (telemetry.ts), before the app and its registry exist, and the server does
 * not import the preload (it runs without it too); so the preloaded setup publishes a reader here
 * and the registry reads it on each scrape. Kept free of SDK imports: the registry loads it.
 */

/** Why spans were dropped: the `reason` label of trace_export_dropped_spans_total. */
export const SPAN_DROP_REASONS = [
  /** The buffer held its bound (TRACES_RETRY_BUFFER_SPANS) already: the newest spans. */
  'buffer_full',
  /** The endpoint refused the batch for good (e.g. HTTP 400): sending it again would fail again. */
  'rejected',
  /** Still unsent when shutdown's bound ran out. */
  'shutdown',
] as const;
export type SpanDropReason = (typeof SPAN_DROP_REASONS)[number];

export interface SpanBufferStatus {
  /** Spans held for export, the batch being sent included. */
  readonly bufferedSpans: number;
  /** The bound on `bufferedSpans`. */
  readonly capacitySpans: number;
  /** Spans given up on since start, by reason. */
  readonly droppedSpans: Readonly<Record<SpanDropReason, number>>;
}

let published: (() => SpanBufferStatus | undefined) | undefined;

/** Makes `read` the process's span buffer status (the preloaded tracing setup calls this once). */
export function publishSpanBufferStatus(read: (() => SpanBufferStatus | undefined) | undefined): void {
  published = read;
}

/** The process's span buffer status, or undefined when no exporting tracer provider was set up. */
export function currentSpanBufferStatus(): SpanBufferStatus | undefined {
  return published?.();
}
