import { createHash } from 'crypto';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { CONFIG_KEYS, ROUTES } from 'model-service/contract';
import { ModelServiceAutoscalingProps, modelServiceAutoscaler, resolveAutoscaling } from './autoscaling';
import { modelServiceDashboard } from './dashboard';
import type { TraceSearch } from './dashboard/common';
import type { AlertingRule, RecordingRule, RuleGroup } from '../prometheus/rule-types';
import { modelServiceRules, ModelServiceRulesOptions } from './rules';
import { SCRAPE_EVERY_2S_ANNOTATION, SCRAPE_PATH_ANNOTATION, SCRAPE_PORT_ANNOTATION } from '../prometheus/scrape-configs';
import { recommendedLabels, selectorLabels } from '../shared/labels';
import { modelServiceSecurity, MODEL_SERVICE_MEMORY_LIMIT_MIB, MODEL_SERVICE_RESOURCES } from '../shared/presets';
import { validateImage, validateNodePort, validatePort, validateResourceName } from '../shared/validation';

export const DEFAULT_MODEL_SERVICE_IMAGE = 'technical-observability-for-ml/model-service:0.1.0';

/**
 * The default image is a name, not a published image: no registry serves it, so a cluster
 * cannot pull it. Synth says so (once) until the user names their own build.
 */
export function unpublishedImageWarning(image: string): string | undefined {
  if (image !== DEFAULT_MODEL_SERVICE_IMAGE) return undefined;
  return `the model service image is the default "${image}", which no registry publishes, so its pods cannot start on a cluster: `
    + 'build and push model-service/Dockerfile, name your image in main.ts (MODEL_SERVICE_IMAGE), '
    + 'run npm run synth and commit dist/ (README, "Your own image").';
}

export interface ModelServiceProps {
  readonly namespace: string;
  /**
   * Name of the app: resource names, the `app.kubernetes.io/name` pod label (which the scrape job
   * turns into the `app` label dashboards and rules select on) and OTEL_SERVICE_NAME.
   * @default 'model-service'
   */
  readonly appName?: string;
  /** @default 'technical-observability-for-ml/model-service:0.1.0' */
  readonly image?: string;
  /** Version label; kept out of selectors. @default - the image tag, or 'latest' */
  readonly version?: string;
  /**
   * A fixed number of pods, with no autoscaler; only with `autoscaling: false`.
   * @default - the autoscaler owns the count
   */
  readonly replicas?: number;
  /**
   * The HorizontalPodAutoscaler that owns the pod count (the Deployment then states no `replicas`),
   * or `false` for a fixed `replicas` count.
   * @default - on: 2 to 10 pods, CPU target DEFAULT_CPU_UTILIZATION_PERCENT (see ModelServiceAutoscalingProps)
   */
  readonly autoscaling?: ModelServiceAutoscalingProps | false;
  /** @default 30010 */
  readonly nodePort?: number;
  /**
   * Path of the trained model inside the image.
   * @default - the service's own default (models/model.json in its package folder), where model-service/Dockerfile puts it
   */
  readonly modelPath?: string;
  /** OTLP/HTTP base URL of the trace backend (Tempo's 4318). */
  readonly otlpEndpoint: string;
  /**
   * Availability objective of POST /predict that the SLO alerts burn against (e.g. 0.99).
   * @default - the rules module's default (0.999)
   */
  readonly availabilityObjective?: number;
  /**
   * Model-quality alerting: PSI thresholds per drift signal (`driftThresholds`), how long drift must last
   * (`driftFor`) and the accuracy objective of labelled predictions (`accuracyObjective`).
   * @default - the rules module's defaults (DEFAULT_DRIFT_PSI_THRESHOLDS, '15m', 0.95)
   */
  readonly modelQuality?: ModelQualityAlertingProps;
}

/** The model-quality options of the rules, also drawn on the dashboard. */
export type ModelQualityAlertingProps = Pick<ModelServiceRulesOptions, 'driftThresholds' | 'driftFor' | 'accuracyObjective'>;

const CONFIG_DIR = '/etc/model-service';
const CONFIG_FILE_NAME = 'config.json';

/**
 * The model service as plain Kubernetes objects: ConfigMap (runtime config file + OTel settings),
 * Deployment with the 2 s scrape annotations and hardened pods, a HorizontalPodAutoscaler, NodePort
 * Service, PodDisruptionBudget and a NetworkPolicy. Written with the generated k8s bindings rather than cdk8s-plus so that
 * names and selectors are explicit and stable (cdk8s-plus derives a selector label from the
 * construct path, which Kubernetes would refuse to change on an existing Deployment).
 */
export class ModelService extends Construct {
  public readonly appName: string;
  /** The port the service listens on: its own default (the contract's config table), so the image needs no override. */
  public readonly port = CONFIG_KEYS.port.default;
  /** NodePort of the Service (the one port users call). */
  public readonly nodePort: number;
  /** The container's memory limit, for the memory alert (the rules compare RSS to it). */
  public readonly memoryLimitBytes = MODEL_SERVICE_MEMORY_LIMIT_MIB * 1024 * 1024;
  public readonly service: k8s.KubeService;
  /** Headless Service listing the pods, for feedback forwarding between them. */
  public readonly peersService: k8s.KubeService;
  public readonly deployment: k8s.KubeDeployment;
  public readonly configMap: k8s.KubeConfigMap;
  private readonly availabilityObjective?: number;
  private readonly modelQuality: ModelQualityAlertingProps;

  constructor(scope: Construct, id: string, props: ModelServiceProps) {
    super(scope, id);
    this.appName = validateResourceName(`${id}.appName`, props.appName ?? 'model-service');
    // The headless Service for feedback forwarding is named after the app: it must be a valid name too.
    validateResourceName(`${id}.appName (+ "-peers", the headless Service's name)`, `${this.appName}-peers`);
    this.availabilityObjective = props.availabilityObjective;
    this.modelQuality = props.modelQuality ?? {};
    const image = validateImage(`${id}.image`, props.image ?? DEFAULT_MODEL_SERVICE_IMAGE);
    const tag = image.includes(':') ? image.slice(image.lastIndexOf(':') + 1) : '';
    const version = props.version ?? (tag && !tag.includes('/') ? tag : 'latest');
    if (props.autoscaling !== false && props.replicas !== undefined) {
      throw new Error(`${id}.replicas: a fixed count (${props.replicas}) conflicts with the autoscaler, which owns the count: `
        + `set ${id}.autoscaling.minReplicas/maxReplicas, or autoscaling: false to pin replicas.`);
    }
    const autoscaling = props.autoscaling === false ? undefined : resolveAutoscaling(`${id}.autoscaling`, props.autoscaling ?? {});
    const replicas = props.replicas ?? 2;
    if (!Number.isInteger(replicas) || replicas < 1) {
      throw new Error(`${id}.replicas: ${replicas} must be a whole number of at least 1.`);
    }
    const nodePort = validateNodePort(`${id}.nodePort`, props.nodePort ?? 30010);
    this.nodePort = nodePort;
    validatePort(`${id}.port`, this.port);
    const namespace = props.namespace;
    const labels = recommendedLabels({ name: this.appName, instance: this.appName, version, component: 'inference' });
    const selector = selectorLabels({ name: this.appName, instance: this.appName });

    // The service reads its settings from this JSON file (CONFIG_FILE); keys come from the
    // contract's table, so a renamed key fails the type-check here. Only what differs from the
    // service's defaults is stated: the port, host (0.0.0.0) and log level are already right.
    const runtimeConfig = {
      ...(props.modelPath === undefined ? {} : { [CONFIG_KEYS.modelPath.key]: props.modelPath }),
      // Keep serving while the endpoints controller removes the pod from the Service.
      [CONFIG_KEYS.shutdownDrainDelayMs.key]: 5000,
      // Each pod remembers its own predictions; the Service sends feedback to any pod, which asks the
      // others through the headless Service below.
      [CONFIG_KEYS.feedbackPeers.key]: `${this.appName}-peers.${namespace}.svc`,
    };
    const configData = {
      [CONFIG_FILE_NAME]: `${JSON.stringify(runtimeConfig, null, 2)}\n`,
      // OpenTelemetry reads standard env vars; the Deployment takes them from here.
      OTEL_EXPORTER_OTLP_ENDPOINT: props.otlpEndpoint,
      OTEL_SERVICE_NAME: this.appName,
    };
    this.configMap = new k8s.KubeConfigMap(this, 'config', {
      metadata: { name: `${this.appName}-config`, namespace, labels },
      data: configData,
    });
    // The service reads its config once at start: a changed ConfigMap must roll the pods, so the
    // pod template carries a hash of it (deterministic, so synth output stays stable).
    const configChecksum = createHash('sha256').update(JSON.stringify(configData)).digest('hex');
    const fromConfigMap = (key: string): k8s.EnvVar => ({
      name: key,
      valueFrom: { configMapKeyRef: { name: this.configMap.name, key } },
    });
    const fieldRef = (name: string, fieldPath: string): k8s.EnvVar => ({ name, valueFrom: { fieldRef: { fieldPath } } });

    const httpProbe = (path: string, periodSeconds: number, failureThreshold: number): k8s.Probe => ({
      httpGet: { path, port: k8s.IntOrString.fromString('http') },
      periodSeconds,
      failureThreshold,
      timeoutSeconds: 1,
    });

    const security = modelServiceSecurity();
    this.deployment = new k8s.KubeDeployment(this, 'deployment', {
      metadata: { name: this.appName, namespace, labels },
      spec: {
        // Stated only without an autoscaler: a pinned count would be reset at every apply, fighting the HPA.
        ...(autoscaling ? {} : { replicas }),
        selector: { matchLabels: selector },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromNumber(1) } },
        template: {
          metadata: {
            labels,
            annotations: {
              [SCRAPE_EVERY_2S_ANNOTATION]: 'true',
              [SCRAPE_PATH_ANNOTATION]: ROUTES.metrics,
              [SCRAPE_PORT_ANNOTATION]: String(this.port),
              'checksum/config': configChecksum,
            },
          },
          spec: {
            // The service never talks to the Kubernetes API.
            automountServiceAccountToken: false,
            securityContext: security.pod,
            terminationGracePeriodSeconds: 30,
            containers: [
              {
                name: this.appName,
                image,
                imagePullPolicy: 'IfNotPresent',
                ports: [{ name: 'http', containerPort: this.port, protocol: 'TCP' }],
                env: [
                  { name: 'CONFIG_FILE', value: `${CONFIG_DIR}/${CONFIG_FILE_NAME}` },
                  fromConfigMap('OTEL_EXPORTER_OTLP_ENDPOINT'),
                  fromConfigMap('OTEL_SERVICE_NAME'),
                  fieldRef('POD_NAME', 'metadata.name'),
                  fieldRef('POD_NAMESPACE', 'metadata.namespace'),
                  // Lets Grafana jump from a span to the logs of the pod that served it.
                  { name: 'OTEL_RESOURCE_ATTRIBUTES', value: 'k8s.pod.name=$(POD_NAME),k8s.namespace.name=$(POD_NAMESPACE)' },
                ],
                resources: MODEL_SERVICE_RESOURCES,
                securityContext: security.container,
                startupProbe: httpProbe(ROUTES.health, 2, 30),
                readinessProbe: httpProbe(ROUTES.ready, 5, 2),
                livenessProbe: httpProbe(ROUTES.health, 10, 3),
                volumeMounts: [
                  { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
                  // Read-only root filesystem: Node and its libraries may still want a scratch /tmp.
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: this.configMap.name } },
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
            ],
          },
        },
      },
    });

    this.service = new k8s.KubeService(this, 'service', {
      metadata: { name: this.appName, namespace, labels },
      spec: {
        type: 'NodePort',
        selector,
        ports: [{ name: 'http', port: this.port, targetPort: k8s.IntOrString.fromString('http'), nodePort, protocol: 'TCP' }],
      },
    });

    // Headless: its DNS name resolves to every ready pod, so a pod can ask the others about
    // feedback for a prediction it did not make (config key feedbackPeers).
    this.peersService = new k8s.KubeService(this, 'peers', {
      metadata: { name: `${this.appName}-peers`, namespace, labels },
      spec: {
        clusterIp: 'None',
        selector,
        ports: [{ name: 'http', port: this.port, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' }],
      },
    });

    if (autoscaling) modelServiceAutoscaler(this, { name: this.appName, namespace, labels }, this.deployment, autoscaling);

    // maxUnavailable rather than a minAvailable count: it holds for whatever count the autoscaler picks.
    new k8s.KubePodDisruptionBudget(this, 'pdb', {
      metadata: { name: this.appName, namespace, labels },
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selector } },
    });

    // Ingress only on the service port: clients (via the NodePort) and Prometheus' scrape of
    // /metrics both arrive there. Egress stays open (DNS, Tempo's OTLP receiver).
    new k8s.KubeNetworkPolicy(this, 'network-policy', {
      metadata: { name: this.appName, namespace, labels },
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ['Ingress'],
        ingress: [{ ports: [{ port: k8s.IntOrString.fromNumber(this.port), protocol: 'TCP' }] }],
      },
    });
  }

  /** The service's alerting and recording rules (golden signals, scrape health, availability SLO), for `Prometheus.addRuleGroups()`. */
  public ruleGroups(): { alerting: RuleGroup<AlertingRule>[]; recording: RuleGroup<RecordingRule>[] } {
    const rules = modelServiceRules({
      appName: this.appName,
      availabilityObjective: this.availabilityObjective,
      fallbackMemoryLimitBytes: this.memoryLimitBytes,
      ...this.modelQuality,
    });
    return { alerting: rules.alerting.groups, recording: rules.recording.groups };
  }

  /**
   * The service's Grafana dashboard (JSON model), for `Grafana.addDashboard()`; `traceSearch` is
   * how the Grafana it goes to searches Tempo (@default 'traceql').
   */
  public dashboard(options: { readonly traceSearch?: TraceSearch } = {}): Record<string, unknown> {
    return modelServiceDashboard({ appName: this.appName, driftThresholds: this.modelQuality.driftThresholds, traceSearch: options.traceSearch });
  }
}
