import type { Counter, Histogram } from 'prom-client';
import { binOf } from './histogram-bins';

/*
 * Pre-resolved handles on one labelled series of a prom-client counter or
 * histogram, for the per-request hot path.
 *
 * Why: prom-client's `observe(labels, value)` allocates a closure and a
 * label/value pair, validates the labels, rebuilds the series key string and
 * scans the buckets linearly, every call. Measured on this machine: one request
 * (request counter + duration histogram, three stage histograms, confidence,
 * tokens, out-of-vocabulary ratio, predictions counter) cost 4-6 µs in
 * prom-client against ~0.3 µs through these handles, 5-10 % of a request.
 * The labels are validated once, when the handle is made; an observation then
 * is a bucket search and three additions on the series prom-client renders.
 *
 * This writes prom-client's series records (`hashMap[key]`: `{labels, value}`
 * for counters, `{labels, bucketValues, sum, count, bucketExemplars}` for
 * histograms), the layout of prom-client 15, which package.json pins exactly.
 * `test/metrics/series.test.ts` renders the same observations made both ways
 * and requires identical exposition text, so an upgrade that changes the
 * layout fails there rather than in production.
 */

interface CounterRecord {
  value: number;
  labels: Record<string, string>;
}

interface ExemplarRecord {
  labelSet: Record<string, string>;
  value: number;
  timestamp: number;
}

interface HistogramRecord {
  labels: Record<string, string>;
  bucketValues: Record<string, number>;
  sum: number;
  count: number;
  /** Present when the histogram has exemplars: the latest exemplar per bucket key ('-1' = +Inf). */
  bucketExemplars?: Record<string, ExemplarRecord | null>;
}

interface SeriesInternals<R> {
  hashMap: Record<string, R | undefined>;
  sortedLabelNames: readonly string[];
}

interface HistogramInternals extends SeriesInternals<HistogramRecord> {
  upperBounds: readonly number[];
}

/** prom-client's series key for `labels` (util.js `hashObject` with sorted label names). */
function seriesKey(sortedLabelNames: readonly string[], labels: Record<string, string>): string {
  let key = '';
  for (const name of sortedLabelNames) {
    if (labels[name] !== undefined) key += `${name}:${labels[name]},`;
  }
  return key;
}

function checkLabels(metricLabelNames: readonly string[], labels: Record<string, string>, metric: string): void {
  const expected = [...metricLabelNames].sort().join(',');
  const given = Object.keys(labels).sort().join(',');
  if (expected !== given) throw new Error(`${metric}: labels {${given}} do not match the metric's label names {${expected}}`);
}

/** One series (fixed label values) of a counter. */
export class CounterSeries {
  private readonly internals: SeriesInternals<CounterRecord>;
  private readonly key: string;

  constructor(counter: Counter<string>, private readonly labels: Record<string, string>) {
    this.internals = counter as unknown as SeriesInternals<CounterRecord>;
    checkLabels(this.internals.sortedLabelNames, labels, (counter as unknown as { name: string }).name);
    this.key = seriesKey(this.internals.sortedLabelNames, labels);
  }

  inc(): void {
    const record = this.internals.hashMap[this.key];
    if (record === undefined) this.internals.hashMap[this.key] = { value: 1, labels: this.labels };
    else record.value += 1;
  }
}

/** One series (fixed label values) of a histogram. */
export class HistogramSeries {
  private readonly internals: HistogramInternals;
  private readonly key: string;
  private readonly bounds: Float64Array;
  /** Bucket keys as prom-client stores them (the bound converted to a string, once). */
  private readonly bucketKeys: readonly string[];

  constructor(private readonly histogram: Histogram<string>, private readonly labels: Record<string, string>) {
    this.internals = histogram as unknown as HistogramInternals;
    checkLabels(this.internals.sortedLabelNames, labels, (histogram as unknown as { name: string }).name);
    this.key = seriesKey(this.internals.sortedLabelNames, labels);
    this.bounds = Float64Array.from(this.internals.upperBounds);
    this.bucketKeys = this.internals.upperBounds.map(String);
  }

  observe(value: number): void {
    this.record(value);
  }

  /**
   * Observes `value` and makes `exemplarLabels` its bucket's exemplar, as
   * prom-client's `observe({labels, value, exemplarLabels})` does (rendered on
   * OpenMetrics scrapes; ignored when the histogram has no exemplars).
   */
  observeWithExemplar(value: number, exemplarLabels: Record<string, string>): void {
    const record = this.record(value);
    const exemplars = record.bucketExemplars;
    if (exemplars === undefined) return;
    let size = 0;
    for (const name in exemplarLabels) size += name.length + exemplarLabels[name].length;
    if (size > 128) throw new RangeError('Label set size must be smaller than 128 UTF-8 chars');
    const bucket = binOf(this.bounds, value);
    const key = bucket < this.bounds.length ? this.bucketKeys[bucket] : '-1';
    const exemplar = exemplars[key];
    const timestamp = Date.now() / 1000;
    if (exemplar === null || exemplar === undefined) {
      exemplars[key] = { labelSet: exemplarLabels, value, timestamp };
    } else {
      exemplar.labelSet = exemplarLabels;
      exemplar.value = value;
      exemplar.timestamp = timestamp;
    }
  }

  private record(value: number): HistogramRecord {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    let record = this.internals.hashMap[this.key];
    if (record === undefined) {
      this.histogram.zero(this.labels);
      record = this.internals.hashMap[this.key]!;
    }
    const bucket = binOf(this.bounds, value);
    record.sum += value;
    record.count += 1;
    // Values above every bound count only in +Inf, which prom-client derives from `count`.
    if (bucket < this.bounds.length) record.bucketValues[this.bucketKeys[bucket]] += 1;
    return record;
  }
}
