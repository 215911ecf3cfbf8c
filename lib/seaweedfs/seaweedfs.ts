import { Construct } from 'constructs';
import type { SeaweedfsValues } from '../../imports/helm-values/current/seaweedfs';
import { HelmRelease, HelmReleaseProps } from '../helm/helm-release';
import { chartFullname, serviceHost } from '../shared/naming';
import { ObjectStore, SecretEnvVar, validateBucketName } from '../shared/object-store';
import { validateResourceName } from '../shared/validation';

export interface SeaweedFsProps extends HelmReleaseProps {
  /**
   * Secret holding the S3 keys of the two identities the chart configures (keys
   * `admin_access_key_id`, `admin_secret_access_key`, `read_access_key_id`,
   * `read_secret_access_key`, the chart's `s3.credentials.<identity>.existingSecret` contract),
   * created with random values by the install path.
   * @default `<releaseName>-s3-credentials`
   */
  readonly credentialsSecretName?: string;
  /** Size of the data volume (a PersistentVolumeClaim of the cluster's default storage class). @default '10Gi' */
  readonly storageSize?: string;
}

/** Environment-variable names Loki and Tempo give the S3 keys (expanded in their configs). */
export const SEAWEEDFS_ACCESS_KEY_ENV = 'S3_ACCESS_KEY_ID';
export const SEAWEEDFS_SECRET_KEY_ENV = 'S3_SECRET_ACCESS_KEY';

/** The chart's S3 port (`s3.port` default, which `allInOne.s3.port: null` inherits). */
const S3_PORT = 8333;

/**
 * seaweedfs/seaweedfs in all-in-one mode (master, volume, filer and the S3 gateway in one pod):
 * S3 object storage for Loki and Tempo, with auth on and the buckets created by the chart's
 * post-install hook Job (`allInOne.s3.createBuckets`). The keys live in a Secret the install path
 * creates; the chart hands them to the gateway as env vars, so they never enter the rendered objects.
 */
export class SeaweedFs extends HelmRelease<SeaweedfsValues> implements ObjectStore {
  public readonly credentialsSecretName: string;
  public readonly credentialsEnvNames = { accessKey: SEAWEEDFS_ACCESS_KEY_ENV, secretKey: SEAWEEDFS_SECRET_KEY_ENV } as const;
  public readonly s3Port = S3_PORT;
  private readonly storageSize: string;
  private readonly buckets: string[] = [];

  constructor(scope: Construct, id: string, props: SeaweedFsProps) {
    super(scope, id, 'seaweedfs', props);
    this.credentialsSecretName = validateResourceName(
      `${id}.credentialsSecretName`,
      props.credentialsSecretName ?? `${this.releaseName}-s3-credentials`,
    );
    this.storageSize = props.storageSize ?? '10Gi';
    if (!/^[1-9][0-9]*(Mi|Gi|Ti)$/.test(this.storageSize)) {
      throw new Error(`${id}.storageSize: "${this.storageSize}" is not a size like "10Gi" (Mi, Gi or Ti).`);
    }
    this.addGeneratedSecret({
      name: this.credentialsSecretName,
      keys: {
        admin_access_key_id: { random: true },
        admin_secret_access_key: { random: true },
        read_access_key_id: { random: true },
        read_secret_access_key: { random: true },
      },
    });
  }

  /** The chart's all-in-one Service: `<seaweedfs.fullname>-all-in-one` (templates/all-in-one/all-in-one-service.yml). */
  public get serviceName(): string {
    return `${chartFullname(this.releaseName, this.chart.chart)}-all-in-one`;
  }

  public get s3Endpoint(): string {
    return `${serviceHost(this.serviceName, this.namespace)}:${this.s3Port}`;
  }

  /** The admin identity's keys (read and write; the read-only identity is for humans). */
  public credentialsEnv(): SecretEnvVar[] {
    return [
      { name: SEAWEEDFS_ACCESS_KEY_ENV, valueFrom: { secretKeyRef: { name: this.credentialsSecretName, key: 'admin_access_key_id' } } },
      { name: SEAWEEDFS_SECRET_KEY_ENV, valueFrom: { secretKeyRef: { name: this.credentialsSecretName, key: 'admin_secret_access_key' } } },
    ];
  }

  public addBucket(name: string): string {
    validateBucketName('SeaweedFS', name);
    if (!this.buckets.includes(name)) this.buckets.push(name);
    return name;
  }

  public renderValues(): SeaweedfsValues {
    const existingSecret = this.credentialsSecretName;
    return {
      // One pod runs every SeaweedFS server; the separate master/volume/filer workloads are off.
      master: { enabled: false },
      volume: { enabled: false },
      filer: { enabled: false },
      allInOne: {
        enabled: true,
        data: { type: 'persistentVolumeClaim', size: this.storageSize },
        s3: {
          enabled: true,
          enableAuth: true,
          createBuckets: this.buckets.map((name) => ({ name })),
        },
      },
      s3: {
        enableAuth: true,
        credentials: {
          admin: { existingSecret, accessKeyKey: 'admin_access_key_id', secretKeyKey: 'admin_secret_access_key' },
          read: { existingSecret, accessKeyKey: 'read_access_key_id', secretKeyKey: 'read_secret_access_key' },
        },
      },
    };
  }
}
