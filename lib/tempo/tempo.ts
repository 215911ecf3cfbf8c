import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import type { TempoValues as CurrentTempoValues } from '../../imports/helm-values/current/tempo';
import type { TempoValues } from '../../imports/helm-values/reference/tempo';
import { HelmRelease, HelmReleaseProps } from '../helm/helm-release';
import { recommendedLabels, selectorLabels } from '../shared/labels';
import { chartFullname, serviceHost, serviceUrl } from '../shared/naming';
import { ObjectStore } from '../shared/object-store';

export interface TempoProps extends HelmReleaseProps {
  /** Object storage for trace blocks. */
  readonly storage: ObjectStore;
  /** How long trace blocks are kept (the compactor's block_retention), in hours; current profile only. @default '168h' (7 days) */
  readonly retention?: string;
  /**
   * Tempo pods; current profile only. With 3 or more, they form one cluster (the chart's single
   * binary as `scalable-single-binary`, joined by memberlist) that writes every span to 3 of them,
   * so a restarting pod loses nothing: Tempo acknowledges spans it holds only in memory until the
   * trace goes idle (`npm run e2e:faults` measured the loss of one pod's last seconds). 1 runs one
   * pod alone, which loses those spans at every restart; 2 is refused, as a write then needs both.
   * @default 3
   */
  readonly replicas?: number;
}

/** Copies of each span across Tempo's ingesters when replicated: a write needs 2 of them, so one pod may be down. */
export const TEMPO_REPLICATION_FACTOR = 3;
/** Tempo's memberlist port (its default), on the headless Service that lets the pods find each other. */
const MEMBERLIST_PORT = 7946;
/** Tempo's gRPC port (its default; the chart's values leave it): the query-frontend's, which each pod's querier works for. */
const TEMPO_GRPC_PORT = 9095;

// The chart's Service (`tempo.fullname`) exposes both OTLP receivers, so the model service and
// Grafana talk to it directly; no Service of ours is needed. Checked in grafana/helm-charts
// charts/tempo/templates/service.yaml: the Tempo 2.0-era template lists `grpc-tempo-otlp` 4317 and
// `tempo-otlp-http` 4318 (targetPorts 4317/4318) next to `tempo-prom-metrics` 3100; later templates
// (_ports.tpl) derive those two ports from `tempo.receivers.otlp.protocols.{grpc,http}.endpoint`,
// which renderValues() sets explicitly. The API port moved from 3100 to 3200 only in 2025
// (grafana/helm-charts#3745), long after 1.0.0.
export const OTLP_GRPC_PORT = 4317;
export const OTLP_HTTP_PORT = 4318;
/** Tempo's HTTP API port (`tempo.server.http_listen_port` default), where Grafana queries traces: 3100 in tempo 1.0.0, 3200 in 2.x. */
const TEMPO_HTTP_PORT = { reference: 3100, current: 3200 } as const;

/** The metrics-generator's processors: Grafana's service graph and the span RED metrics. */
const METRICS_GENERATOR_PROCESSORS = ['service-graphs', 'span-metrics'];

/** A Prometheus remote-write endpoint (`Prometheus.remoteWriteUrl`). */
export interface RemoteWriteTarget {
  readonly remoteWriteUrl: string;
}

/**
 * tempo (single binary; grafana/tempo 1.0.0 with Tempo 2.0 in the reference profile,
 * grafana-community/tempo 2.x with Tempo 2.10 in the current one): trace store in the object store,
 * OTLP receivers on gRPC 4317 and HTTP 4318, and, once `remoteWriteMetricsTo()` names a target, the
 * metrics-generator.
 */
export class Tempo extends HelmRelease<TempoValues | CurrentTempoValues> {
  public readonly bucket: string;
  public readonly retention?: string;
  /** Tempo pods (1 in the reference profile). */
  public readonly replicas: number;
  private readonly storage: ObjectStore;
  private metricsTarget?: RemoteWriteTarget;

  constructor(scope: Construct, id: string, props: TempoProps) {
    super(scope, id, 'tempo', props);
    this.storage = props.storage;
    this.addDependency(props.storage);
    this.bucket = props.storage.addBucket(`${this.releaseName}-traces`);
    if (this.profile === 'reference') {
      if (props.retention !== undefined) throw new Error(`${id}: retention applies to the current profile's Tempo only; the reference profile keeps the chart's default.`);
      if (props.replicas !== undefined) throw new Error(`${id}: replicas applies to the current profile's Tempo only; the reference profile keeps one pod.`);
      this.replicas = 1;
    } else {
      this.retention = props.retention ?? '168h';
      if (!/^[1-9][0-9]*h$/.test(this.retention)) throw new Error(`${id}.retention: "${this.retention}" is not a whole number of hours like "168h".`);
      this.replicas = props.replicas ?? TEMPO_REPLICATION_FACTOR;
      if (!Number.isInteger(this.replicas) || this.replicas < 1 || this.replicas === 2) {
        throw new Error(`${id}.replicas: ${props.replicas} is not 1 or a whole number of at least ${TEMPO_REPLICATION_FACTOR} (with 2, a write needs both pods, so either one restarting stops ingest).`);
      }
      if (this.replicated) this.addClusterObjects();
    }
  }

  /** Whether the pods form one cluster that keeps every span on 3 of them. */
  public get replicated(): boolean {
    return this.replicas >= TEMPO_REPLICATION_FACTOR;
  }

  /** The headless Service the chart's StatefulSet names (`serviceName`) but does not make. */
  public get headlessServiceName(): string {
    return `${this.serviceName}-headless`;
  }

  /**
   * What a replicated Tempo needs beside the chart: the headless Service its StatefulSet names,
   * through which the pods find each other (memberlist, ready or not: a starting pod must join
   * before it is ready), and a disruption budget that drains one pod at a time, so 2 of the 3
   * copies of every span stay up.
   */
  private addClusterObjects(): void {
    const selector = selectorLabels({ name: this.chart.chart, instance: this.releaseName });
    const labels = recommendedLabels({ name: this.chart.chart, instance: this.releaseName, version: this.chart.version, component: 'memberlist' });
    new k8s.KubeService(this, 'headless', {
      metadata: { name: this.headlessServiceName, namespace: this.namespace, labels },
      spec: {
        clusterIp: 'None',
        publishNotReadyAddresses: true,
        selector,
        ports: [{ name: 'memberlist', protocol: 'TCP', port: MEMBERLIST_PORT, targetPort: k8s.IntOrString.fromNumber(MEMBERLIST_PORT) }],
      },
    });
    new k8s.KubePodDisruptionBudget(this, 'pdb', {
      metadata: { name: this.serviceName, namespace: this.namespace, labels: recommendedLabels({ name: this.chart.chart, instance: this.releaseName, version: this.chart.version, component: 'tempo' }) },
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selector } },
    });
  }

  public get serviceName(): string {
    return chartFullname(this.releaseName, this.chart.chart);
  }

  /** Base URL for OTEL_EXPORTER_OTLP_ENDPOINT (the exporter appends /v1/traces). */
  public get otlpHttpEndpoint(): string {
    return serviceUrl(this.serviceName, this.namespace, OTLP_HTTP_PORT);
  }

  /** `host:port` of the OTLP gRPC receiver, for an OpenTelemetry exporter (Alloy's gateway). */
  public get otlpGrpcAddress(): string {
    return `${serviceHost(this.serviceName, this.namespace)}:${OTLP_GRPC_PORT}`;
  }

  /** Query endpoint for Grafana's Tempo datasource. */
  public get queryUrl(): string {
    return serviceUrl(this.serviceName, this.namespace, TEMPO_HTTP_PORT[this.profile]);
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

  public renderValues(): TempoValues | CurrentTempoValues {
    return this.profile === 'reference' ? this.referenceValues() : this.currentValues();
  }

  /** The S3 block both charts render verbatim into Tempo's storage.trace.s3. */
  private s3Config() {
    const { accessKey, secretKey } = this.storage.credentialsEnvNames;
    return {
      bucket: this.bucket,
      endpoint: this.storage.s3Endpoint,
      access_key: `\${${accessKey}}`,
      secret_key: `\${${secretKey}}`,
      insecure: true,
      forcepathstyle: true,
    };
  }

  private get otlpReceivers() {
    // Explicit 0.0.0.0: newer Tempo releases bind OTLP to localhost otherwise.
    return {
      otlp: {
        protocols: {
          grpc: { endpoint: `0.0.0.0:${OTLP_GRPC_PORT}` },
          http: { endpoint: `0.0.0.0:${OTLP_HTTP_PORT}` },
        },
      },
    };
  }

  /** The chart values that make the pods one cluster writing each span to 3 of them. */
  private clusterValues(): CurrentTempoValues {
    const selector = selectorLabels({ name: this.chart.chart, instance: this.releaseName });
    return {
      replicas: this.replicas,
      // Copies of a span on one node die together: spread the pods over nodes where there are enough.
      affinity: {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selector } } },
          ],
        },
      },
    };
  }

  private currentValues(): CurrentTempoValues {
    const cluster = this.replicated;
    return {
      ...(cluster ? this.clusterValues() : {}),
      tempo: {
        retention: this.retention,
        // tempo 2.x's config template writes metrics_generator with this remote-write URL but, unlike 1.0.0,
        // leaves the processors to the overrides; Tempo 2.10 names the same series as 2.0 (see referenceValues).
        ...(this.metricsTarget === undefined
          ? {}
          : {
              metricsGenerator: { enabled: true, remoteWriteUrl: checkRemoteWriteUrl(this.metricsTarget.remoteWriteUrl) },
              overrides: { defaults: { metrics_generator: { processors: METRICS_GENERATOR_PROCESSORS } } },
            }),
        // No usage reports to grafana.com from inside the cluster.
        reportingEnabled: false,
        // Grafana 13's Tempo datasource streams search and TraceQL metrics results (its
        // `streamingEnabled`), over Tempo's HTTP port only when this is on.
        streamOverHttpEnabled: true,
        extraArgs: {
          'config.expand-env': true,
          // The chart's config has no `target` or memberlist members, so these two are flags.
          ...(cluster
            ? { target: 'scalable-single-binary', 'memberlist.host-port': `dns+${serviceHost(this.headlessServiceName, this.namespace)}:${MEMBERLIST_PORT}` }
            : {}),
        },
        extraEnv: this.storage.credentialsEnv(),
        server: { http_listen_port: TEMPO_HTTP_PORT.current },
        ...(cluster
          ? {
              ingester: { lifecycler: { ring: { replication_factor: TEMPO_REPLICATION_FACTOR } } },
              // In scalable-single-binary each pod's querier works for its own pod's query-frontend.
              querier: { frontend_worker: { frontend_address: `127.0.0.1:${TEMPO_GRPC_PORT}` } },
            }
          : {}),
        storage: { trace: { backend: 's3', s3: this.s3Config() } },
        // OTLP as set here; the chart's default Jaeger receivers stay (Helm merges maps; nothing sends to them).
        receivers: this.otlpReceivers,
      },
    };
  }

  private referenceValues(): TempoValues {
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
        extraEnv: this.storage.credentialsEnv(),
        server: { http_listen_port: TEMPO_HTTP_PORT.reference },
        // No usage reports to grafana.com from inside the cluster (the chart's default is on).
        reportingEnabled: false,
        storage: { trace: { backend: 's3', s3: this.s3Config() } },
        receivers: this.otlpReceivers,
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
