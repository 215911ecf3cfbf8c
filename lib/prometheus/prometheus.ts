import { Construct } from 'constructs';
import { stringify } from 'yaml';
import type { PrometheusValues } from '../../imports/helm-values/prometheus';
import { HelmRelease } from '../helm/helm-release';
import { chartFullname, serviceUrl } from '../shared/naming';
import { CHARTS, ChartRef } from '../shared/versions';
import { AlertingOptions, alertingWarnings, alertmanagerValues, receiverSecrets, resolveAlerting, ResolvedReceiver } from './alerting';
import { modelServiceRules } from './rules';
import { every2sScrapeConfig } from './scrape-configs';

export interface PrometheusProps {
  readonly namespace: string;
  /** Value of the `app` label the model service's series carry; the alert/recording rules select on it. */
  readonly appName: string;
  /**
   * Availability SLO the alert rules burn against (e.g. 0.99).
   * @default - the rules module's default
   */
  readonly availabilityObjective?: number;
  /**
   * The model service container's memory limit, assumed by the memory alert for pods whose limit
   * kube-state-metrics does not report.
   * @default - the rules module's default
   */
  readonly modelServiceMemoryLimitBytes?: number;
  /**
   * Alertmanager receivers (Slack, webhook), routed by the rules' `severity` label; their
   * credentials are read from Secrets you create.
   * @default - no receiver: alerts reach no one, and synth prints a line saying so
   */
  readonly alerting?: AlertingOptions;
  /** @default 'prometheus' */
  readonly releaseName?: string;
  /** @default - the pinned chart in lib/shared/versions.ts */
  readonly chart?: ChartRef;
}

/** `server.name` and `server.service.servicePort` defaults of prometheus 19.6.1. */
const SERVER_COMPONENT = 'server';
const SERVER_SERVICE_PORT = 80;

/** Prometheus' remote-write receiver endpoint, served when `--web.enable-remote-write-receiver` is set. */
export const REMOTE_WRITE_PATH = '/api/v1/write';

/**
 * prometheus-community/prometheus: the server with our 2 s scrape job, exemplar storage, the
 * remote-write receiver (Tempo's metrics-generator writes into it) and the model service's rules.
 * node-exporter and pushgateway are off (nothing here pushes, and host metrics are not this
 * project's subject). Alertmanager (a chart default) routes alerts to the receivers in
 * `alerting`; kube-state-metrics stays on for pod restart/OOM signals.
 */
export class Prometheus extends HelmRelease<PrometheusValues> {
  private readonly appName: string;
  private readonly availabilityObjective?: number;
  private readonly modelServiceMemoryLimitBytes?: number;
  private readonly receivers: readonly ResolvedReceiver[];

  constructor(scope: Construct, id: string, props: PrometheusProps) {
    super(scope, id, {
      releaseName: props.releaseName ?? 'prometheus',
      namespace: props.namespace,
      chart: props.chart ?? CHARTS.prometheus,
      overridesName: 'prometheus',
    });
    this.appName = props.appName;
    this.availabilityObjective = props.availabilityObjective;
    this.modelServiceMemoryLimitBytes = props.modelServiceMemoryLimitBytes;
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

  private rules(): ReturnType<typeof modelServiceRules> {
    return modelServiceRules({
      appName: this.appName,
      availabilityObjective: this.availabilityObjective,
      fallbackMemoryLimitBytes: this.modelServiceMemoryLimitBytes,
    });
  }

  public renderValues(): PrometheusValues {
    const rules = this.rules();
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
        'alerting_rules.yml': rules.alerting,
        'recording_rules.yml': rules.recording,
      },
      alertmanager: alertmanagerValues(this.receivers),
      'prometheus-node-exporter': { enabled: false },
      'prometheus-pushgateway': { enabled: false },
    };
  }

  public warnings(values: PrometheusValues): string[] {
    const alerts = this.rules().alerting.groups.flatMap((g) => g.rules.map((r) => ({ alert: r.alert, severity: r.labels.severity })));
    return alertingWarnings(values, this.receivers, alerts);
  }
}
