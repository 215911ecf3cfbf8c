/** Options of the model-service rules, their defaults and the checks that keep bad values out of Prometheus. */
import { checkAppName } from '../../shared/label-value';

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
   * Where the runbook lives; each alert links to `<runbookUrl>#<alert name in lower case>`.
   * @default 'docs/runbook.md' (relative to the repository)
   */
  readonly runbookUrl?: string;
}

export type ResolvedRulesOptions = Required<ModelServiceRulesOptions>;

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
    runbookUrl: opts.runbookUrl ?? 'docs/runbook.md',
  };
}
