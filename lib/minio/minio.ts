import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import type { MinioValues } from '../../imports/helm-values/reference/minio';
import { HelmRelease, HelmReleaseProps } from '../helm/helm-release';
import { recommendedLabels, selectorLabels } from '../shared/labels';
import { chartFullname, serviceHost } from '../shared/naming';
import { ObjectStore, SecretEnvVar, validateBucketName } from '../shared/object-store';
import { validateNodePort, validateResourceName } from '../shared/validation';

export interface MinioProps extends HelmReleaseProps {
  /** NodePort of the MinIO web console. @default 30001 */
  readonly consoleNodePort?: number;
  /**
   * Secret holding the root credentials (keys `root-user`, `root-password`, the chart's
   * `auth.existingSecret` contract), created with random values by the install path.
   * @default `<releaseName>-root-credentials`
   */
  readonly credentialsSecretName?: string;
}

/**
 * The images bitnami/minio 12.1.8 runs, at the chart's own tags (its values.yaml): the server
 * (also the provisioning job's image), the client, and the shell of the optional
 * volume-permissions init container. The chart names them under docker.io/bitnami, where these
 * tags no longer exist (lib/shared/retired-image-repositories.ts); the same tags are pulled from
 * the legacy repository instead.
 */
export const MINIO_CHART_IMAGES = {
  server: { repository: 'minio', tag: '2023.2.22-debian-11-r0' },
  client: { repository: 'minio-client', tag: '2023.2.16-debian-11-r1' },
  volumePermissions: { repository: 'bitnami-shell', tag: '11-debian-11-r87' },
} as const;

/** Where Bitnami's versioned tags are now (the replacement named in lib/shared/retired-image-repositories.ts). */
const BITNAMI_LEGACY = { registry: 'docker.io', namespace: 'bitnamilegacy' } as const;

/** `{ registry, repository, tag }` of a chart image, from the Bitnami legacy repository. */
function bitnamiLegacyImage(image: { readonly repository: string; readonly tag: string }): { registry: string; repository: string; tag: string } {
  return { registry: BITNAMI_LEGACY.registry, repository: `${BITNAMI_LEGACY.namespace}/${image.repository}`, tag: image.tag };
}

/** Environment-variable names Loki and Tempo give the MinIO credentials (expanded in their configs). */
export const S3_ACCESS_KEY_ENV = 'MINIO_ROOT_USER';
export const S3_SECRET_KEY_ENV = 'MINIO_ROOT_PASSWORD';

/** bitnami/minio: S3 object storage for Loki chunks and Tempo traces, buckets created by the chart. */
export class Minio extends HelmRelease<MinioValues> implements ObjectStore {
  public readonly credentialsSecretName: string;
  public readonly consoleNodePort: number;
  /** The chart's API port (`service.ports.api` default). */
  public readonly apiPort = 9000;
  /** The chart's console port (`service.ports.console` / `containerPorts.console` defaults). */
  public readonly consolePort = 9001;
  /** Our NodePort Service for the console (see the constructor). */
  public readonly consoleService: k8s.KubeService;
  public readonly credentialsEnvNames = { accessKey: S3_ACCESS_KEY_ENV, secretKey: S3_SECRET_KEY_ENV } as const;
  private readonly buckets: string[] = [];

  constructor(scope: Construct, id: string, props: MinioProps) {
    super(scope, id, 'minio', props);
    this.consoleNodePort = validateNodePort(`${id}.consoleNodePort`, props.consoleNodePort ?? 30001);
    this.credentialsSecretName = validateResourceName(
      `${id}.credentialsSecretName`,
      props.credentialsSecretName ?? `${this.releaseName}-root-credentials`,
    );
    this.addGeneratedSecret({
      name: this.credentialsSecretName,
      keys: { 'root-user': { random: true }, 'root-password': { random: true } },
    });
    // bitnami/minio 12.1.8 has ONE Service for both ports and `service.type` applies to both, so
    // a NodePort console would also publish the S3 API (root credentials) on every node. The
    // chart's Service stays ClusterIP (the API is for Loki and Tempo only) and this Service of
    // ours publishes the console alone. The selector is the chart's `common.labels.matchLabels`
    // (name = chart name, instance = release); `minio-console` is the chart's container port name.
    this.consoleService = new k8s.KubeService(this, 'console', {
      metadata: {
        name: `${this.serviceName}-console-nodeport`,
        namespace: this.namespace,
        labels: recommendedLabels({
          name: this.chart.chart,
          instance: this.releaseName,
          version: this.chart.version,
          component: 'console',
        }),
      },
      spec: {
        type: 'NodePort',
        selector: selectorLabels({ name: this.chart.chart, instance: this.releaseName }),
        ports: [
          {
            name: 'minio-console',
            protocol: 'TCP',
            port: this.consolePort,
            targetPort: k8s.IntOrString.fromString('minio-console'),
            nodePort: this.consoleNodePort,
          },
        ],
      },
    });
  }

  /** bitnami common.names.fullname: the Service and the workload are named after it. */
  public get serviceName(): string {
    return chartFullname(this.releaseName, this.chart.chart);
  }

  /** `host:port` of the S3 API inside the cluster (Loki and Tempo take it without a scheme). */
  public get s3Endpoint(): string {
    return `${serviceHost(this.serviceName, this.namespace)}:${this.apiPort}`;
  }

  /** Env vars exposing the root credentials from the Secret, for the S3 clients' pods. */
  public credentialsEnv(): SecretEnvVar[] {
    return [
      { name: S3_ACCESS_KEY_ENV, valueFrom: { secretKeyRef: { name: this.credentialsSecretName, key: 'root-user' } } },
      { name: S3_SECRET_KEY_ENV, valueFrom: { secretKeyRef: { name: this.credentialsSecretName, key: 'root-password' } } },
    ];
  }

  /** Declares a bucket the chart's provisioning job creates; returns its name. */
  public addBucket(name: string): string {
    validateBucketName('MinIO', name);
    if (!this.buckets.includes(name)) this.buckets.push(name);
    return name;
  }

  public renderValues(): MinioValues {
    return {
      image: bitnamiLegacyImage(MINIO_CHART_IMAGES.server),
      clientImage: bitnamiLegacyImage(MINIO_CHART_IMAGES.client),
      // Off by default; set so that enabling it in charts-values/minio.yaml still pulls.
      volumePermissions: { image: bitnamiLegacyImage(MINIO_CHART_IMAGES.volumePermissions) },
      mode: 'standalone',
      auth: { existingSecret: this.credentialsSecretName },
      // In-cluster only: the console is published by our own NodePort Service (constructor).
      service: { type: 'ClusterIP' },
      provisioning: {
        enabled: true,
        buckets: this.buckets.map((name) => ({ name })),
      },
    };
  }
}
