import { Construct } from 'constructs';
import { stringify } from 'yaml';
import type { PrometheusValues as CurrentPrometheusValues } from '../../imports/helm-values/current/prometheus';
import type { PrometheusValues } from '../../imports/helm-values/reference/prometheus';
import { HelmRelease, HelmReleaseProps } from '../helm/helm-release';
import { chartFullname, serviceUrl } from '../shared/naming';
import { AlertingOptions, alertingWarnings, alertmanagerValues, receiverSecrets, resolveAlerting, ResolvedReceiver } from './alerting';
import type { AlertingRule, RecordingRule, RuleGroup } from './rule-types';
import { every2sScrapeConfig } from './scrape-configs';

export interface PrometheusProps extends HelmReleaseProps {
  /**
   * Alertmanager receivers (Slack, webhook), routed by the rules' `severity` label; their
   * credentials are read from Secrets you create.
   * @default - no receiver: alerts reach no one, and synth prints a line saying so
   */
  readonly alerting?: AlertingOptions;
}

/** `server.name` and `server.service.servicePort` defaults of prometheus 19.6.1. */
const SERVER_COMPONENT = 'server';
const SERVER_SERVICE_PORT = 80;

/** Prometheus' remote-write receiver endpoint, served when `--web.enable-remote-write-receiver` is set. */
export const REMOTE_WRITE_PATH = '/api/v1/write';

/**
 * prometheus-community/prometheus: the server with our 2 s scrape job, exemplar storage, the
 * remote-write receiver (Tempo's metrics-generator writes into it) and the rule groups the
 * workloads hand it through `addRuleGroups()` (it knows nothing about what they watch).
 * node-exporter and pushgateway are off (nothing here pushes, and host metrics are not this
 * project's subject). Alertmanager (a chart default) routes alerts to the receivers in
 * `alerting`; kube-state-metrics stays on for pod restart/OOM signals.
 */
export class Prometheus extends HelmRelease<PrometheusValues | CurrentPrometheusValues> {
  private readonly receivers: readonly ResolvedReceiver[];
  private readonly alertingGroups: RuleGroup<AlertingRule>[] = [];
  private readonly recordingGroups: RuleGroup<RecordingRule>[] = [];

  constructor(scope: Construct, id: string, props: PrometheusProps) {
    super(scope, id, 'prometheus', props);
    this.receivers = resolveAlerting('alerting', props.alerting);
    for (const { secret, receiver } of receiverSecrets(this.receivers)) {
      this.addUserSecret({ name: secret.name, key: secret.key, holds: `credential of alert receiver ${receiver}` });
    }
  }

  /** prometheus 19.x `prometheus.server.fullname`: `<fullname>-server`. */
  public get serverServiceName(): string {
    return `${chartFullname(this.releaseName, this.chart.chart)}-${SERVER_COMPONENT}`;
  }

  public get serverUrl(): string {
    return serviceUrl(this.serverServiceName, this.namespace, SERVER_SERVICE_PORT);
  }

  /** Where other components remote-write samples (Tempo's metrics-generator): the server Service + /api/v1/write. */
  public get remoteWriteUrl(): string {
    return serviceUrl(this.serverServiceName, this.namespace, SERVER_SERVICE_PORT, REMOTE_WRITE_PATH);
  }

  /**
   * Adds alerting and recording rule groups (written to the chart's alerting_rules.yml and
   * recording_rules.yml). Group names must be unique: Prometheus refuses a rule file that repeats one.
   */
  public addRuleGroups(groups: { readonly alerting?: readonly RuleGroup<AlertingRule>[]; readonly recording?: readonly RuleGroup<RecordingRule>[] }): void {
    for (const [kind, added, existing] of [
      ['alerting', groups.alerting ?? [], this.alertingGroups],
      ['recording', groups.recording ?? [], this.recordingGroups],
    ] as const) {
      for (const group of added) {
        if (existing.some((g) => g.name === group.name)) {
          throw new Error(`${this.node.id}.addRuleGroups: an ${kind} rule group named "${group.name}" was already added; group names must be unique.`);
        }
        (existing as RuleGroup<AlertingRule | RecordingRule>[]).push(group);
      }
    }
  }

  /**
   * The same keys in both profiles' charts (prometheus 19.6.1 with Prometheus 2.41, 29.x with
   * Prometheus 3.14, where exemplar storage is still a feature flag and the remote-write receiver
   * still a flag); each is type-checked against its chart.
   */
  public renderValues(): PrometheusValues | CurrentPrometheusValues {
    const values = this.values();
    return this.profile === 'reference' ? (values satisfies PrometheusValues) : (values satisfies CurrentPrometheusValues);
  }

  private values() {
    return {
      server: {
        // Helm replaces lists wholesale, so the chart's default flag is restated here. The remote-write
        // receiver (Prometheus >= 2.33; the chart runs 2.41) takes the service-graph and span metrics
        // Tempo's metrics-generator writes.
        extraFlags: ['web.enable-lifecycle', 'enable-feature=exemplar-storage', 'web.enable-remote-write-receiver'],
      },
      // The chart takes extra jobs as a YAML string (it runs it through `tpl`).
      extraScrapeConfigs: stringify([every2sScrapeConfig()]),
      serverFiles: {
        'alerting_rules.yml': { groups: this.alertingGroups },
        'recording_rules.yml': { groups: this.recordingGroups },
      },
      alertmanager: alertmanagerValues(this.receivers),
      'prometheus-node-exporter': { enabled: false },
      'prometheus-pushgateway': { enabled: false },
    };
  }

  public warnings(values: PrometheusValues | CurrentPrometheusValues): string[] {
    const alerts = this.alertingGroups.flatMap((g) => g.rules.map((r) => ({ alert: r.alert, severity: r.labels.severity })));
    return alertingWarnings(values, this.receivers, alerts, `charts-values/${this.overridesName}.yaml`);
  }
}
