import { Construct } from 'constructs';
import type { LokiSimpleScalableValues } from '../../imports/helm-values/reference/loki-simple-scalable';
import { HelmRelease, HelmReleaseProps } from '../helm/helm-release';
import { Minio, S3_ACCESS_KEY_ENV, S3_SECRET_KEY_ENV } from '../minio/minio';
import { serviceUrl } from '../shared/naming';

export interface LokiProps extends HelmReleaseProps {
  /** Object storage for chunks and rules. */
  readonly minio: Minio;
}

/** Port every Loki target serves HTTP on (`server.http_listen_port` in the chart's config template). */
const LOKI_HTTP_PORT = 3100;
/** The gateway Service port (`gateway.service.port` default). */
const GATEWAY_PORT = 80;

/**
 * grafana/loki-simple-scalable: log store in MinIO, one replica per target (read, write, gateway),
 * no multi-tenancy. Monitoring extras that need the Prometheus Operator or Grafana Agent CRDs are
 * off: this cluster has neither.
 */
export class Loki extends HelmRelease<LokiSimpleScalableValues> {
  public readonly buckets: { readonly chunks: string; readonly ruler: string };
  private readonly minio: Minio;

  constructor(scope: Construct, id: string, props: LokiProps) {
    super(scope, id, 'loki', props);
    this.minio = props.minio;
    this.addDependency(props.minio);
    // Prefixed with the release name so two Loki releases can share one MinIO. The chart's third
    // bucket, `bucketNames.admin`, is read only by the enterprise (GEL) config, which is off.
    this.buckets = {
      chunks: props.minio.addBucket(`${this.releaseName}-chunks`),
      ruler: props.minio.addBucket(`${this.releaseName}-ruler`),
    };
  }

  /**
   * loki-simple-scalable 1.8.x names its read, write and gateway objects `<loki.name>-<target>`
   * (templates/read/_helpers-read.tpl and its siblings), and `loki.name` is `nameOverride` or the
   * literal "loki", not the release-derived fullname. So these Services are `loki-read` and
   * `loki-gateway` whatever the release is called (a second release of this chart in the same
   * namespace would collide with the first).
   */
  private static readonly CHART_NAME = 'loki';

  public get readServiceName(): string {
    return `${Loki.CHART_NAME}-read`;
  }

  public get gatewayServiceName(): string {
    return `${Loki.CHART_NAME}-gateway`;
  }

  /** Query endpoint (the read path), for Grafana's Loki datasource. */
  public get queryUrl(): string {
    return serviceUrl(this.readServiceName, this.namespace, LOKI_HTTP_PORT);
  }

  /** Push endpoint through the gateway (which routes /loki/api/v1/push to the write path), for Promtail. */
  public get pushUrl(): string {
    return serviceUrl(this.gatewayServiceName, this.namespace, GATEWAY_PORT, '/loki/api/v1/push');
  }

  public renderValues(): LokiSimpleScalableValues {
    // Loki reads the MinIO credentials from env vars (secretKeyRef), expanded into its config
    // by -config.expand-env=true, so they never appear in the values or the ConfigMap.
    const targetEnv = { extraArgs: ['-config.expand-env=true'], extraEnv: this.minio.credentialsEnv() };
    return {
      loki: {
        auth_enabled: false,
        commonConfig: { path_prefix: '/var/loki', replication_factor: 1 },
        storage: {
          type: 's3',
          bucketNames: this.buckets,
          s3: {
            endpoint: this.minio.s3Endpoint,
            accessKeyId: `\${${S3_ACCESS_KEY_ENV}}`,
            secretAccessKey: `\${${S3_SECRET_KEY_ENV}}`,
            s3ForcePathStyle: true,
            insecure: true,
          },
        },
      },
      write: { replicas: 1, ...targetEnv },
      read: { replicas: 1, ...targetEnv },
      gateway: { replicas: 1 },
      monitoring: {
        dashboards: { enabled: false },
        rules: { enabled: false, alerting: false },
        alerts: { enabled: false },
        serviceMonitor: { enabled: false },
        selfMonitoring: { enabled: false, grafanaAgent: { installOperator: false } },
      },
    };
  }
}
