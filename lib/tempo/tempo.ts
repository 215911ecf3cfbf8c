import { Construct } from 'constructs';
import type { TempoValues } from '../../imports/helm-values/reference/tempo';
import { HelmRelease, HelmReleaseProps } from '../helm/helm-release';
import { Minio, S3_ACCESS_KEY_ENV, S3_SECRET_KEY_ENV } from '../minio/minio';
import { chartFullname, serviceUrl } from '../shared/naming';

export interface TempoProps extends HelmReleaseProps {
  /** Object storage for trace blocks. */
  readonly minio: Minio;
}

// The chart's Service (`tempo.fullname`) exposes both OTLP receivers, so the model service and
// Grafana talk to it directly; no Service of ours is needed. Checked in grafana/helm-charts
// charts/tempo/templates/service.yaml: the Tempo 2.0-era template lists `grpc-tempo-otlp` 4317 and
// `tempo-otlp-http` 4318 (targetPorts 4317/4318) next to `tempo-prom-metrics` 3100; later templates
// (_ports.tpl) derive those two ports from `tempo.receivers.otlp.protocols.{grpc,http}.endpoint`,
// which renderValues() sets explicitly. The API port moved from 3100 to 3200 only in 2025
// (grafana/helm-charts#3745), long after 1.0.0.
export const OTLP_GRPC_PORT = 4317;
export const OTLP_HTTP_PORT = 4318;
/** Tempo's HTTP API port (`tempo.server.http_listen_port` default), where Grafana queries traces. */
const TEMPO_HTTP_PORT = 3100;

/** A Prometheus remote-write endpoint (`Prometheus.remoteWriteUrl`). */
export interface RemoteWriteTarget {
  readonly remoteWriteUrl: string;
}

/**
 * grafana/tempo (single binary): trace store in MinIO, OTLP receivers on gRPC 4317 and HTTP 4318,
 * and, once `remoteWriteMetricsTo()` names a target, the metrics-generator.
 */
export class Tempo extends HelmRelease<TempoValues> {
  public readonly bucket: string;
  private readonly minio: Minio;
  private metricsTarget?: RemoteWriteTarget;

  constructor(scope: Construct, id: string, props: TempoProps) {
    super(scope, id, 'tempo', props);
    this.minio = props.minio;
    this.addDependency(props.minio);
    this.bucket = props.minio.addBucket(`${this.releaseName}-traces`);
  }

  public get serviceName(): string {
    return chartFullname(this.releaseName, this.chart.chart);
  }

  /** Base URL for OTEL_EXPORTER_OTLP_ENDPOINT (the exporter appends /v1/traces). */
  public get otlpHttpEndpoint(): string {
    return serviceUrl(this.serviceName, this.namespace, OTLP_HTTP_PORT);
  }

  /** Query endpoint for Grafana's Tempo datasource. */
  public get queryUrl(): string {
    return serviceUrl(this.serviceName, this.namespace, TEMPO_HTTP_PORT);
  }

  /**
   * Turns on the metrics-generator (service graphs and span metrics, the tempo chart's
   * `tempo.metricsGenerator`), remote-writing to `target`. A method rather than a prop because the
   * stack builds Tempo before Prometheus (the model service needs Tempo's endpoint, and Prometheus
   * the model service's memory limit); the URL is read when the values are rendered.
   */
  public remoteWriteMetricsTo(target: RemoteWriteTarget): void {
    this.metricsTarget = target;
  }

  public renderValues(): TempoValues {
    return {
      tempo: {
        // tempo 1.0.0's config template then adds the `service-graphs` and `span-metrics` processors to
        // the global overrides and a `metrics_generator` block remote-writing to this URL. Tempo 2.0.0
        // names the series traces_service_graph_request_total, traces_service_graph_request_failed_total,
        // traces_service_graph_request_{server,client}_seconds (Grafana's service graph) and
        // traces_spanmetrics_calls_total, traces_spanmetrics_latency, traces_spanmetrics_size_total.
        ...(this.metricsTarget === undefined
          ? {}
          : { metricsGenerator: { enabled: true, remoteWriteUrl: checkRemoteWriteUrl(this.metricsTarget.remoteWriteUrl) } }),
        // Credentials come from the MinIO Secret as env vars, expanded into the config file.
        extraArgs: { 'config.expand-env': true },
        extraEnv: this.minio.credentialsEnv(),
        server: { http_listen_port: TEMPO_HTTP_PORT },
        storage: {
          trace: {
            backend: 's3',
            s3: {
              bucket: this.bucket,
              endpoint: this.minio.s3Endpoint,
              access_key: `\${${S3_ACCESS_KEY_ENV}}`,
              secret_key: `\${${S3_SECRET_KEY_ENV}}`,
              insecure: true,
              forcepathstyle: true,
            },
          },
        },
        receivers: {
          // Explicit 0.0.0.0: newer Tempo releases bind OTLP to localhost otherwise.
          otlp: {
            protocols: {
              grpc: { endpoint: `0.0.0.0:${OTLP_GRPC_PORT}` },
              http: { endpoint: `0.0.0.0:${OTLP_HTTP_PORT}` },
            },
          },
        },
      },
    };
  }
}

function checkRemoteWriteUrl(value: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(value);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new Error(`tempo: remote-write URL "${value}" is not an absolute http(s) URL; pass e.g. "http://prometheus-server.monitoring.svc/api/v1/write".`);
  }
  return value;
}
