import * as path from 'path';
import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Alloy, AlloyTailSamplingProps } from './alloy/alloy';
import { Grafana } from './grafana/grafana';
import { helmWarnings, renderHelmFiles, RenderedFiles } from './helm/write-helm-files';
import { Loki, LokiDeployment } from './loki/loki';
import { Minio } from './minio/minio';
import type { ModelServiceAutoscalingProps } from './model-service/autoscaling';
import { ModelService } from './model-service/model-service';
import { AlertingOptions } from './prometheus/alerting';
import { Prometheus } from './prometheus/prometheus';
import { Promtail } from './promtail/promtail';
import { SeaweedFs } from './seaweedfs/seaweedfs';
import { ObjectStore } from './shared/object-store';
import { PART_OF } from './shared/labels';
import { validateChartVersion, validateDistinctNodePorts, validateNamespace } from './shared/validation';
import { DEFAULT_PROFILE, DIST_DIR, profileDir, StackProfile, validateProfile } from './profiles';
import { chartPin, ChartRef, Component, PROFILE_CHARTS } from './shared/versions';
import { Tempo } from './tempo/tempo';

export const DEFAULT_NAMESPACE = 'technical-observability-for-ml';

export interface ModelServiceOptions {
  /** @default 'technical-observability-for-ml/model-service:0.1.0' */
  readonly image?: string;
  /** @default 'model-service' */
  readonly appName?: string;
  /** A fixed pod count, only with `autoscaling: false`. @default - the autoscaler owns the count */
  readonly replicas?: number;
  /**
   * The HorizontalPodAutoscaler (min/max pods, CPU target), or `false` for a fixed `replicas` count.
   * @default - 2 to 10 pods at the CPU target derived from one pod's measured capacity (docs/scaling.md)
   */
  readonly autoscaling?: ModelServiceAutoscalingProps | false;
  /** @default 30010 */
  readonly nodePort?: number;
  /** Path of the model file inside the image. @default - the service's default, where model-service/Dockerfile puts it */
  readonly modelPath?: string;
}

/** Loki 3's deployment, replication and retention (current profile only). */
export interface LokiOptions {
  /** @default { mode: 'Monolithic', replicas: 1 } */
  readonly deployment?: LokiDeployment;
  /** @default - 1 for Monolithic, else 3 */
  readonly replicationFactor?: number;
  /** @default '168h' */
  readonly retention?: string;
}

export interface ObservabilityStackProps {
  /**
   * Which pinned set of charts to install (lib/shared/versions.ts): `current` is maintained releases
   * (Grafana 13, Loki 3.7, Alloy, Tempo 2.10, Prometheus 3.14, SeaweedFS); `reference` is the
   * reference design's stack (Grafana 9.3, Loki 2.6 simple scalable, Promtail, Tempo 2.0,
   * Prometheus 2.41, MinIO).
   * @default 'current'
   */
  readonly profile?: StackProfile;
  /** Loki's deployment mode, replicas and retention; current profile only. @default - see LokiOptions */
  readonly loki?: LokiOptions;
  /** How long Tempo keeps traces, in hours; current profile only. @default '168h' */
  readonly tempoRetention?: string;
  /** Tempo pods; 3 or more keep every span on 3 of them, so one restarting loses nothing; current profile only. @default 3 */
  readonly tempoReplicas?: number;
  /**
   * Spans the Alloy gateway's disk-backed sending queue holds for Tempo, per node; current profile only.
   * @default 2000000 (an hour of Tempo downtime at ~550 spans/s per node)
   */
  readonly otlpQueueSpans?: number;
  /** Tail sampling in the Alloy gateway; current profile only. @default - off: every span is kept */
  readonly tailSampling?: AlloyTailSamplingProps;
  /** Namespace for everything. @default 'technical-observability-for-ml' */
  readonly namespace?: string;
  /**
   * Helm release names by component (the profile's: seaweedfs, loki, alloy, tempo, prometheus, grafana for
   * current; minio, loki, promtail, tempo, prometheus, grafana for reference).
   * @default - the component name
   */
  readonly releaseNames?: Partial<Record<Component, string>>;
  /** Chart versions by component of the profile (exact semver). @default - the profile's pins in lib/shared/versions.ts */
  readonly chartVersions?: Partial<Record<Component, string>>;
  /** @default 30000 */
  readonly grafanaNodePort?: number;
  /** NodePort of the MinIO console; reference profile only (SeaweedFS has no console here). @default 30001 */
  readonly minioConsoleNodePort?: number;
  /** @default - see ModelServiceOptions */
  readonly modelService?: ModelServiceOptions;
  /** Availability objective of the model service's SLO alerts. @default - the rules module's default */
  readonly availabilityObjective?: number;
  /**
   * Where alerts go: Alertmanager receivers (Slack, webhook) routed by the rules' `severity` label,
   * their credentials read from Secrets you create.
   * @default - no receiver: alerts reach no one, and synth prints a line saying so
   */
  readonly alerting?: AlertingOptions;
  /** Folder of the user's Helm value overrides. @default '<repo>/charts-values' */
  readonly valuesOverridesDir?: string;
}

/**
 * The whole stack in one chart: namespace, model service and Grafana's dashboard ConfigMap as
 * Kubernetes YAML, and the six Helm releases (rendered by `helmFiles()`), all wired to each
 * other through construct properties so that a release or namespace name lives in one place.
 */
export class ObservabilityStack extends Chart {
  public readonly namespaceName: string;
  public readonly profile: StackProfile;
  /** The S3 store: MinIO (reference) or SeaweedFS (current). */
  public readonly storage: ObjectStore;
  public readonly minio?: Minio;
  public readonly seaweedfs?: SeaweedFs;
  public readonly loki: Loki;
  /** The log collector: Promtail (reference) or Alloy (current). */
  public readonly logCollector!: Promtail | Alloy;
  public readonly promtail?: Promtail;
  public readonly alloy?: Alloy;
  public readonly tempo: Tempo;
  public readonly prometheus: Prometheus;
  public readonly grafana: Grafana;
  public readonly modelService: ModelService;
  private readonly valuesOverridesDir: string;

  constructor(scope: Construct, id: string, props: ObservabilityStackProps = {}) {
    const namespace = validateNamespace('namespace', props.namespace ?? DEFAULT_NAMESPACE);
    super(scope, id, { disableResourceNameHashes: true });
    this.namespaceName = namespace;
    this.profile = validateProfile('profile', props.profile ?? DEFAULT_PROFILE);
    const profile = this.profile;
    this.valuesOverridesDir = props.valuesOverridesDir ?? path.resolve(__dirname, '..', 'charts-values');

    // Each release construct defaults its name and chart pin; only the user's overrides are passed.
    const chart = (component: Component): ChartRef | undefined => {
      const version = props.chartVersions?.[component];
      if (version === undefined) return undefined;
      return { ...chartPin(profile, component), version: validateChartVersion(`chartVersions.${component}`, version) };
    };
    for (const prop of ['releaseNames', 'chartVersions'] as const) {
      const unknown = Object.keys(props[prop] ?? {}).filter((c) => !(c in PROFILE_CHARTS[profile]));
      if (unknown.length > 0) {
        throw new Error(`${prop}: the ${profile} profile has no ${unknown.join(', ')} release (its releases: ${Object.keys(PROFILE_CHARTS[profile]).join(', ')}).`);
      }
    }
    const release = (component: Component) => ({
      namespace,
      profile,
      releaseName: props.releaseNames?.[component],
      chart: chart(component),
    });

    new k8s.KubeNamespace(this, 'namespace', {
      metadata: { name: namespace, labels: { 'app.kubernetes.io/part-of': PART_OF } },
    });

    if (profile === 'reference') {
      const currentOnly = (['loki', 'tempoRetention', 'tempoReplicas', 'otlpQueueSpans', 'tailSampling'] as const).filter((p) => props[p] !== undefined);
      if (currentOnly.length > 0) throw new Error(`${currentOnly.join(', ')}: current profile only; the reference profile keeps its pinned design.`);
      this.minio = new Minio(this, 'minio', { ...release('minio'), consoleNodePort: props.minioConsoleNodePort });
      this.storage = this.minio;
    } else {
      if (props.minioConsoleNodePort !== undefined) throw new Error('minioConsoleNodePort: reference profile only; the current profile stores in SeaweedFS.');
      this.seaweedfs = new SeaweedFs(this, 'seaweedfs', release('seaweedfs'));
      this.storage = this.seaweedfs;
    }
    this.loki = new Loki(this, 'loki', { ...release('loki'), storage: this.storage, ...props.loki });
    if (profile === 'reference') {
      this.promtail = new Promtail(this, 'promtail', { ...release('promtail'), loki: this.loki });
      this.logCollector = this.promtail;
    }
    this.tempo = new Tempo(this, 'tempo', { ...release('tempo'), storage: this.storage, retention: props.tempoRetention, replicas: props.tempoReplicas });
    if (profile === 'current') {
      // Alloy is also each node's OpenTelemetry gateway: the service's spans go to it, and from there to Tempo.
      this.alloy = new Alloy(this, 'alloy', {
        ...release('alloy'), loki: this.loki, traces: this.tempo, otlpQueueSpans: props.otlpQueueSpans, tailSampling: props.tailSampling,
      });
      this.logCollector = this.alloy;
    }
    // Where the service exports spans: the node's Alloy (current), Tempo itself (reference).
    const otlpEndpoint = this.alloy?.otlpHttpEndpoint ?? this.tempo.otlpHttpEndpoint;

    const appName = props.modelService?.appName ?? 'model-service';
    this.modelService = new ModelService(this, 'model-service', {
      namespace,
      ...props.modelService,
      appName,
      otlpEndpoint,
      availabilityObjective: props.availabilityObjective,
    });
    this.prometheus = new Prometheus(this, 'prometheus', { ...release('prometheus'), alerting: props.alerting });
    // The model service brings its own rules and dashboard; the backends know nothing about it.
    this.prometheus.addRuleGroups(this.modelService.ruleGroups());
    // Service graphs and span metrics: Tempo's metrics-generator writes into Prometheus, which
    // Grafana's Tempo datasource reads them from (its serviceMap points at the Prometheus datasource).
    this.tempo.remoteWriteMetricsTo(this.prometheus);
    this.grafana = new Grafana(this, 'grafana', {
      ...release('grafana'),
      nodePort: props.grafanaNodePort,
      datasources: {
        prometheusUrl: this.prometheus.serverUrl,
        lokiUrl: this.loki.queryUrl,
        tempoUrl: this.tempo.queryUrl,
      },
    });
    // The reference profile's Grafana 9.3 searches Tempo with nativeSearch; Grafana 13 with TraceQL.
    const traceSearch = profile === 'reference' ? 'nativeSearch' : 'traceql';
    this.grafana.addDashboard(this.modelService.appName, this.modelService.dashboard({ traceSearch }));
    validateDistinctNodePorts({
      grafanaNodePort: this.grafana.nodePort,
      ...(this.minio ? { minioConsoleNodePort: this.minio.consoleNodePort } : {}),
      'modelService.nodePort': this.modelService.nodePort,
    });
  }

  /** helmfile.yaml, install.sh, create-secrets.sh and one values file per release (paths relative to the output dir). */
  public helmFiles(): RenderedFiles {
    // Relative to the repository, as a user types it: dist/<profile>.
    const outdirFromRoot = path.relative(path.dirname(DIST_DIR), profileDir(this.profile)).split(path.sep).join('/');
    return renderHelmFiles(this, { overridesDir: this.valuesOverridesDir, outdirFromRoot });
  }

  /** Lines for synth to print about the final values (e.g. alerts that reach no one). */
  public warnings(): string[] {
    return helmWarnings(this, { overridesDir: this.valuesOverridesDir });
  }
}
