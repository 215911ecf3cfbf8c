/**
 * Figures measured on the real programs of the current profile, each with the command that
 * reproduces it, the machine and the date. The model service's autoscaler default and
 * `npm run capacity` derive everything from these records; docs/scaling.md prints them.
 */

export interface MeasurementSource {
  /** The command that printed the figure, run from the repository root. */
  readonly command: string;
  readonly machine: string;
  /** ISO date of the run. */
  readonly date: string;
}

export interface ModelServicePodMeasurement {
  /** Highest rate one pod (pinned to one CPU, full telemetry) served with p99 at or under `p99LimitMs`. */
  readonly requestsPerSecond: number;
  /** The p99 latency measured at that rate, ms. */
  readonly p99Ms: number;
  /** The latency bound the rate was measured against, ms. */
  readonly p99LimitMs: number;
  /** The server's CPU time (user + system, all threads) per request at that rate, µs. */
  readonly cpuMicrosecondsPerRequest: number;
  readonly source: MeasurementSource;
}

const MACHINE = '2 vCPU shared VM (AMD EPYC, other builds and tests running), Node 20';

/**
 * One model-service pod with one CPU: `bench:http` scenario (c), every request traced and logged,
 * the median of 3 rounds at 16 connections (docs/performance.md, "Throughput and latency by
 * scenario"). Ten runs on 2026-12-07 had the machine's load average at 2.9-10 (other jobs on its
 * 2 CPUs): p99 was 28 ms or more at every rate and connection count, so none is used (docs/scaling.md).
 */
export const MODEL_SERVICE_POD: ModelServicePodMeasurement = {
  requestsPerSecond: 12_150,
  p99Ms: 5.53,
  p99LimitMs: 10,
  cpuMicrosecondsPerRequest: 79.5,
  source: {
    command: 'flock /tmp/bench.lock npm run bench:http -w model-service -- --model "$PWD/model-service/models/model.json" --rounds 3',
    machine: MACHINE,
    date: '2026-11-22',
  },
};

export interface IngestMeasurement {
  /** Bytes in the object store per model-service request, once flushed (chunks or blocks, with their index). */
  readonly bytesPerRequest: number;
  /** Entries one request adds: log lines (Loki) or spans (Tempo). */
  readonly itemsPerRequest: number;
  /** Highest offered rate, in items per second, that one process pinned to one CPU took in full and on time. */
  readonly sustainedItemsPerSecond: number;
  /** The next rate tried, which it did not keep up with (or undefined if none tried failed). */
  readonly failedItemsPerSecond?: number;
  readonly source: MeasurementSource;
}

/** Loki's per-tenant and per-stream ingestion limits as the current profile runs them (Loki's defaults, which its config keeps). */
export interface LokiLimits {
  /** limits_config.ingestion_rate_mb, in bytes per second (global: shared by every distributor). */
  readonly tenantBytesPerSecond: number;
  /** limits_config.per_stream_rate_limit, in bytes per second: one pod's log is one stream. */
  readonly streamBytesPerSecond: number;
  /** Bytes one request line counts against them: the line and its structured metadata, before compression. */
  readonly ingestedBytesPerLine: number;
  readonly source: MeasurementSource;
}

export interface SeriesMeasurement {
  /** Series one pod exposes that do not depend on the model's classes. */
  readonly seriesPerPod: number;
  /** Series one pod adds per class of its model. */
  readonly seriesPerClassPerPod: number;
  /** Series one pod adds per (true, predicted) pair that labelled feedback has reached: up to classes² of them. */
  readonly seriesPerClassPairPerPod: number;
  /** Seconds between scrapes of the model service (the 2 s job). */
  readonly scrapeIntervalSeconds: number;
  readonly source: MeasurementSource;
}

const CAPACITY_COMMAND = 'flock /tmp/bench.lock npm run bench:capacity -- --requests 2000 --step-seconds 10';
const CAPACITY_DATE = '2026-12-07';

/**
 * Loki 3.7.6, Monolithic, the rendered config of the current profile on SeaweedFS. 16,000 lines/s
 * were refused with 429 by the tenant's ingestion limit (LOKI_LIMITS), not by the CPU: 8,000 is the
 * highest rate measured, not the process' ceiling.
 */
export const LOKI_SINGLE_PROCESS: IngestMeasurement = {
  bytesPerRequest: 80.2,
  itemsPerRequest: 1,
  sustainedItemsPerSecond: 8_000,
  failedItemsPerSecond: 16_000,
  source: { command: CAPACITY_COMMAND, machine: MACHINE, date: CAPACITY_DATE },
};

/** Tempo 2.10.8, the rendered config of the current profile on SeaweedFS; at 128,000 spans/s it answered 503. */
export const TEMPO_SINGLE_PROCESS: IngestMeasurement = {
  bytesPerRequest: 430.4,
  // The service's spans per request: POST /predict, preprocess, tokenize, tfidf, predict.
  itemsPerRequest: 5,
  sustainedItemsPerSecond: 64_000,
  failedItemsPerSecond: 128_000,
  source: { command: CAPACITY_COMMAND, machine: MACHINE, date: CAPACITY_DATE },
};

/** The series Prometheus 3.14.0 holds for one model-service pod after traffic and labelled feedback (the default 4-class model). */
export const MODEL_SERVICE_SERIES: SeriesMeasurement = {
  seriesPerPod: 272,
  seriesPerClassPerPod: 5,
  seriesPerClassPairPerPod: 1,
  scrapeIntervalSeconds: 2,
  source: { command: CAPACITY_COMMAND, machine: MACHINE, date: CAPACITY_DATE },
};

/**
 * Read from the running Loki's /config (limits_config keeps Loki's defaults: ingestion_rate_mb 4,
 * MiB, shared by the tenant's distributors; per_stream_rate_limit 3MB, 10^6 bytes, per stream), and
 * the bytes a real request line counted (loki_distributor_bytes_received_total ÷ lines).
 */
export const LOKI_LIMITS: LokiLimits = {
  tenantBytesPerSecond: 4 * 1024 * 1024,
  streamBytesPerSecond: 3_000_000,
  ingestedBytesPerLine: 362,
  source: { command: CAPACITY_COMMAND, machine: MACHINE, date: CAPACITY_DATE },
};

export const CURRENT_FIGURES = {
  modelServicePod: MODEL_SERVICE_POD,
  loki: LOKI_SINGLE_PROCESS,
  lokiLimits: LOKI_LIMITS,
  tempo: TEMPO_SINGLE_PROCESS,
  series: MODEL_SERVICE_SERIES,
} as const;
