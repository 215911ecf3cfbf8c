/** Prometheus rule-file shapes (https://prometheus.io/docs/prometheus/latest/configuration/recording_rules/). */

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * Values of the `severity` label every alert carries: `critical` pages someone now, `warning` can wait
 * for working hours. Alertmanager routes on this label (lib/prometheus/alerting.ts).
 */
export const ALERT_SEVERITIES = ['critical', 'warning'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export interface AlertingRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Readonly<Record<string, string>> & { readonly severity: AlertSeverity };
  readonly annotations: {
    readonly summary: string;
    readonly description: string;
    readonly runbook_url: string;
  };
}

export interface RuleGroup<R> {
  readonly name: string;
  readonly interval?: string;
  readonly rules: readonly R[];
}

/** A float printed the way a person would write it (0.0144, not 0.014400000000000001). */
export function num(value: number): string {
  return String(Number(value.toPrecision(12)));
}
