/** Options of the model-service rules, their defaults and the checks that keep bad values out of Prometheus. */
import { DEFAULT_DRIFT_PSI_THRESHOLDS, DRIFT_SIGNAL_NAMES, DriftSignal } from 'model-service/contract';

export { DEFAULT_DRIFT_PSI_THRESHOLDS };
import { checkAppName } from '../../shared/label-value';
import { num } from '../../prometheus/rule-types';


/** The SRE workbook's page burn factor (see slo.ts): the accuracy error budget must keep 14.4 × budget below 100 % errors. */
const FASTEST_BURN_FACTOR = 14.4;

export interface ModelServiceRulesOptions {
  /** Value of the `app` label on the service's series (pod label app.kubernetes.io/name). */
  readonly appName: string;
  /**
   * Availability objective of POST /predict, as a fraction.
   * @default 0.999
   */
  readonly availabilityObjective?: number;
  /**
   * Error ratio (5xx / all requests, every route) above which ModelServiceHighErrorRatio fires.
   * @default 0.05
   */
  readonly errorRatioThreshold?: number;
  /**
   * p99 latency of POST /predict above which ModelServiceHighLatency fires, in seconds.
   * The service answers in about a millisecond; 250 ms means something is queueing.
   * @default 0.25
   */
  readonly latencyP99ThresholdSeconds?: number;
  /**
   * p99 event-loop lag above which ModelServiceEventLoopLag fires, in seconds.
   * @default 0.2
   */
  readonly eventLoopLagThresholdSeconds?: number;
  /**
   * Share of the container memory limit that RSS may reach before ModelServiceMemoryNearLimit fires.
   * @default 0.9
   */
  readonly memoryLimitRatio?: number;
  /**
   * Memory limit assumed for a pod whose limit kube-state-metrics does not report (kube-state-metrics off,
   * or no limit set), in bytes. Pass the Deployment's memory limit so the two agree.
   * @default 536870912 (512 MiB)
   */
  readonly fallbackMemoryLimitBytes?: number;
  /**
   * PSI per drift signal above which ModelServiceDrift fires (after driftFor); signals not given keep
   * their defaults.
   * @default DEFAULT_DRIFT_PSI_THRESHOLDS
   */
  readonly driftThresholds?: Partial<Record<DriftSignal, number>>;
  /**
   * How long a drift score must stay over its threshold before the alert fires: the window of
   * recent predictions moves with traffic, so a short burst of odd documents should not page.
   * @default '15m'
   */
  readonly driftFor?: string;
  /**
   * Accuracy objective of the labelled predictions (POST /feedback), as a fraction; the accuracy
   * burn-rate alerts use the availability SLO's windows and factors. The default sits below the
   * 0.967 the default model scores on the test split, and at 0.93 or more so the fastest burn
   * (14.4 × the budget) stays a reachable error ratio.
   * @default 0.95
   */
  readonly accuracyObjective?: number;
  /**
   * Where the runbook lives; each alert links to `<runbookUrl>#<alert name in lower case>`.
   * @default 'docs/runbook.md' (relative to the repository)
   */
  readonly runbookUrl?: string;
}

export type ResolvedRulesOptions = Required<Omit<ModelServiceRulesOptions, 'driftThresholds'>> & {
  readonly driftThresholds: Readonly<Record<DriftSignal, number>>;
};

/** Drift thresholds with the defaults filled in; throws on an unknown signal or a non-positive value. */
export function resolveDriftThresholds(given: Partial<Record<DriftSignal, number>> | undefined, where: string): Record<DriftSignal, number> {
  for (const key of Object.keys(given ?? {})) {
    if (!DRIFT_SIGNAL_NAMES.includes(key as DriftSignal)) {
      throw new Error(`${where}: driftThresholds has an unknown signal "${key}"; the signals are ${DRIFT_SIGNAL_NAMES.join(', ')}`);
    }
  }
  const out = { ...DEFAULT_DRIFT_PSI_THRESHOLDS, ...given };
  for (const signal of DRIFT_SIGNAL_NAMES) positive(`driftThresholds.${signal}`, out[signal], 'give a PSI value, e.g. 0.25.');
  return out;
}

function fraction(name: string, value: number, hint: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value >= 1) {
    throw new Error(`modelServiceRules: ${name} must be a fraction strictly between 0 and 1, got ${value}; ${hint}`);
  }
  return value;
}

function positive(name: string, value: number, hint: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new Error(`modelServiceRules: ${name} must be a positive number, got ${value}; ${hint}`);
  }
  return value;
}

function duration(name: string, value: string): string {
  if (typeof value !== 'string' || !/^([0-9]+(ms|s|m|h|d|w|y))+$/.test(value)) {
    throw new Error(`modelServiceRules: ${name} must be a Prometheus duration such as 15m or 1h, got ${JSON.stringify(value)}`);
  }
  return value;
}

function accuracyObjective(value: number): number {
  fraction('accuracyObjective', value, 'write 95 % as 0.95.');
  const budget = 1 - value;
  if (FASTEST_BURN_FACTOR * budget >= 1) {
    throw new Error(
      `modelServiceRules: accuracyObjective ${value} leaves an error budget of ${num(budget)}, and the fast burn alert `
      + `(${FASTEST_BURN_FACTOR} × budget) would need more than 100 % wrong predictions; use an objective of at least `
      + `${num(Math.ceil((1 - 1 / FASTEST_BURN_FACTOR) * 1000) / 1000)}`,
    );
  }
  return value;
}

export function resolveRulesOptions(opts: ModelServiceRulesOptions): ResolvedRulesOptions {
  return {
    appName: checkAppName('modelServiceRules', opts.appName),
    availabilityObjective: fraction(
      'availabilityObjective',
      opts.availabilityObjective ?? 0.999,
      'write 99.9 % as 0.999.',
    ),
    errorRatioThreshold: fraction('errorRatioThreshold', opts.errorRatioThreshold ?? 0.05, 'write 5 % as 0.05.'),
    latencyP99ThresholdSeconds: positive(
      'latencyP99ThresholdSeconds',
      opts.latencyP99ThresholdSeconds ?? 0.25,
      'give seconds, e.g. 0.25.',
    ),
    eventLoopLagThresholdSeconds: positive(
      'eventLoopLagThresholdSeconds',
      opts.eventLoopLagThresholdSeconds ?? 0.2,
      'give seconds, e.g. 0.2.',
    ),
    memoryLimitRatio: fraction('memoryLimitRatio', opts.memoryLimitRatio ?? 0.9, 'write 90 % as 0.9.'),
    fallbackMemoryLimitBytes: positive(
      'fallbackMemoryLimitBytes',
      opts.fallbackMemoryLimitBytes ?? 512 * 1024 * 1024,
      'give bytes, e.g. 536870912 for 512 MiB.',
    ),
    driftThresholds: resolveDriftThresholds(opts.driftThresholds, 'modelServiceRules'),
    driftFor: duration('driftFor', opts.driftFor ?? '15m'),
    accuracyObjective: accuracyObjective(opts.accuracyObjective ?? 0.95),
    runbookUrl: opts.runbookUrl ?? 'docs/runbook.md',
  };
}
