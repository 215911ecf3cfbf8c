/**
 * Sizes the stack for a request rate and a retention from the figures measured on the real
 * backends (measurements.ts): pods of the model service, Loki's mode and write replicas, whether
 * Tempo's single-binary chart still suffices, Prometheus series, and object storage per day and
 * for the retention. Pure arithmetic, so tests can give it known figures.
 */
import type { IngestMeasurement, LokiLimits, ModelServicePodMeasurement, SeriesMeasurement } from './measurements';

export interface CapacityFigures {
  readonly modelServicePod: ModelServicePodMeasurement;
  readonly loki: IngestMeasurement;
  readonly lokiLimits: LokiLimits;
  readonly tempo: IngestMeasurement;
  readonly series: SeriesMeasurement;
}

export interface CapacityInput {
  /** Requests per second to the model service, at peak. */
  readonly requestsPerSecond: number;
  /** How long logs and traces are kept, in days. */
  readonly retentionDays: number;
  /** Classes of the served model. */
  readonly classes: number;
}

/**
 * Each component is sized to run at this share of its measured capacity: the autoscaler's scale-out
 * point for the model service, and the same margin for a backend's ingest (bursts, compaction,
 * queries sharing its CPU).
 */
export const CAPACITY_SHARE = 0.7;

/** Loki's write path in SimpleScalable and Distributed mode keeps each stream on this many ingesters (the chart's default). */
export const LOKI_SCALABLE_REPLICATION = 3;

/**
 * Past this many write replicas, Loki's Distributed mode is recommended: its distributors, ingesters
 * and queriers scale apart, where the SimpleScalable write target grows them together. A choice of
 * this model, not a measurement.
 */
export const SIMPLE_SCALABLE_MAX_WRITE_REPLICAS = 6;

export type LokiMode = 'Monolithic' | 'SimpleScalable' | 'Distributed';

export interface CapacityPlan {
  readonly modelService: { readonly pods: number; readonly requestsPerPodAtTarget: number };
  readonly loki: {
    readonly mode: LokiMode;
    /** Lines per second at the given rate. */
    readonly linesPerSecond: number;
    /** Single-process ingest capacity used at this rate (1 = all of CAPACITY_SHARE of one process). */
    readonly singleProcessLoad: number;
    /** Write processes needed in a scalable mode (each line on LOKI_SCALABLE_REPLICATION of them). */
    readonly writeReplicas: number;
    readonly bytesPerDay: number;
    readonly bytesForRetention: number;
    /** Bytes per second counted against the tenant's ingestion limit. */
    readonly ingestBytesPerSecond: number;
    /** The tenant limit to set (limits_config.ingestion_rate_mb, MB) when the default is too low, with the same 70 % margin. */
    readonly ingestionRateMbNeeded?: number;
    /** Bytes per second of one pod's stream at the autoscaler's target, and whether it passes the per-stream limit. */
    readonly streamBytesPerSecondPerPod: number;
    readonly streamLimitExceeded: boolean;
  };
  readonly tempo: {
    /** `tempo` (the single-binary chart) or `tempo-distributed`. */
    readonly chart: 'tempo' | 'tempo-distributed';
    readonly spansPerSecond: number;
    readonly singleProcessLoad: number;
    /** Ingesters (and distributors) needed on tempo-distributed. */
    readonly ingesters: number;
    readonly bytesPerDay: number;
    readonly bytesForRetention: number;
  };
  readonly prometheus: { readonly series: number; readonly samplesPerSecond: number };
}

const SECONDS_PER_DAY = 86_400;
/** Loki's `_mb` limits are MiB (flagext.ByteSize: 4MB = 4 × 2^20 bytes). */
const MIB = 1024 * 1024;

export function capacityPlan(input: CapacityInput, figures: CapacityFigures): CapacityPlan {
  const { requestsPerSecond: rps, retentionDays, classes } = input;
  const podRate = figures.modelServicePod.requestsPerSecond * CAPACITY_SHARE;
  const pods = Math.max(2, Math.ceil(rps / podRate));

  const linesPerSecond = rps * figures.loki.itemsPerRequest;
  const lokiProcessRate = figures.loki.sustainedItemsPerSecond * CAPACITY_SHARE;
  const lokiLoad = linesPerSecond / lokiProcessRate;
  const writeReplicas = Math.max(LOKI_SCALABLE_REPLICATION, Math.ceil((linesPerSecond * LOKI_SCALABLE_REPLICATION) / lokiProcessRate));
  const mode: LokiMode = lokiLoad <= 1 ? 'Monolithic' : writeReplicas <= SIMPLE_SCALABLE_MAX_WRITE_REPLICAS ? 'SimpleScalable' : 'Distributed';
  const lokiBytesPerDay = rps * figures.loki.bytesPerRequest * SECONDS_PER_DAY;
  const ingestBytesPerSecond = linesPerSecond * figures.lokiLimits.ingestedBytesPerLine;
  const tenantLimitNeeded = ingestBytesPerSecond / CAPACITY_SHARE;
  const streamBytesPerSecondPerPod = (Math.min(rps / pods, podRate) * figures.loki.itemsPerRequest) * figures.lokiLimits.ingestedBytesPerLine;

  const spansPerSecond = rps * figures.tempo.itemsPerRequest;
  const tempoProcessRate = figures.tempo.sustainedItemsPerSecond * CAPACITY_SHARE;
  const tempoLoad = spansPerSecond / tempoProcessRate;
  const tempoBytesPerDay = rps * figures.tempo.bytesPerRequest * SECONDS_PER_DAY;

  // Every (true, predicted) pair counted once labelled feedback has reached it: the upper bound.
  const seriesPerPod = figures.series.seriesPerPod + figures.series.seriesPerClassPerPod * classes + figures.series.seriesPerClassPairPerPod * classes ** 2;
  const series = pods * seriesPerPod;
  return {
    modelService: { pods, requestsPerPodAtTarget: podRate },
    loki: {
      mode, linesPerSecond, singleProcessLoad: lokiLoad, writeReplicas: mode === 'Monolithic' ? 1 : writeReplicas,
      bytesPerDay: lokiBytesPerDay, bytesForRetention: lokiBytesPerDay * retentionDays,
      ingestBytesPerSecond,
      ...(tenantLimitNeeded > figures.lokiLimits.tenantBytesPerSecond ? { ingestionRateMbNeeded: Math.ceil(tenantLimitNeeded / MIB) } : {}),
      streamBytesPerSecondPerPod,
      streamLimitExceeded: streamBytesPerSecondPerPod > figures.lokiLimits.streamBytesPerSecond,
    },
    tempo: {
      chart: tempoLoad <= 1 ? 'tempo' : 'tempo-distributed',
      spansPerSecond,
      singleProcessLoad: tempoLoad,
      ingesters: Math.max(1, Math.ceil(tempoLoad)),
      bytesPerDay: tempoBytesPerDay,
      bytesForRetention: tempoBytesPerDay * retentionDays,
    },
    prometheus: { series, samplesPerSecond: series / figures.series.scrapeIntervalSeconds },
  };
}
