import { Construct } from 'constructs';
import type { LokiValues } from '../../imports/helm-values/current/loki';
import type { LokiSimpleScalableValues } from '../../imports/helm-values/reference/loki-simple-scalable';
import { HelmRelease, HelmReleaseProps } from '../helm/helm-release';
import { chartFullname, serviceUrl } from '../shared/naming';
import { ObjectStore } from '../shared/object-store';

/** The targets of Loki's microservices mode whose replica counts are props. */
export type LokiDistributedTarget = 'distributor' | 'ingester' | 'querier' | 'queryFrontend' | 'queryScheduler' | 'indexGateway' | 'compactor';

/**
 * How Loki 3 runs (the loki chart's `deploymentMode`); current profile only. Monolithic is the
 * chart's recommendation for a small cluster (up to a few tens of GB a day); SimpleScalable and
 * Distributed are for larger ones and need the object store, which this stack always has.
 */
export type LokiDeployment =
  | {
      readonly mode: 'Monolithic';
      /** @default 1 */
      readonly replicas?: number;
    }
  | {
      readonly mode: 'SimpleScalable';
      /** @default - 3 of each */
      readonly replicas?: { readonly read?: number; readonly write?: number; readonly backend?: number };
    }
  | {
      readonly mode: 'Distributed';
      /** @default - 3 ingesters, 2 of each other target, 1 compactor */
      readonly replicas?: Partial<Readonly<Record<LokiDistributedTarget, number>>>;
    };

export interface LokiProps extends HelmReleaseProps {
  /** Object storage for chunks and rules. */
  readonly storage: ObjectStore;
  /** How Loki runs (current profile only). @default { mode: 'Monolithic', replicas: 1 } */
  readonly deployment?: LokiDeployment;
  /**
   * How many ingesters (or write / monolithic replicas) keep each stream (current profile only);
   * at most the number of those replicas.
   * @default - 1 for Monolithic, else 3
   */
  readonly replicationFactor?: number;
  /** How long logs are kept before the compactor deletes them, in hours (current profile only). @default '168h' (7 days) */
  readonly retention?: string;
}

/** Loki 3's schema for new data: TSDB index, schema v13 (needed for structured metadata). */
export const LOKI_SCHEMA = { from: '2024-04-01', store: 'tsdb', schema: 'v13' } as const;

const DISTRIBUTED_DEFAULTS: Readonly<Record<LokiDistributedTarget, number>> = {
  distributor: 2,
  ingester: 3,
  querier: 2,
  queryFrontend: 2,
  queryScheduler: 2,
  indexGateway: 2,
  compactor: 1,
};

/** Port every Loki target serves HTTP on (`server.http_listen_port` in the chart's config template). */
const LOKI_HTTP_PORT = 3100;
/** The gateway Service port (`gateway.service.port` default). */
const GATEWAY_PORT = 80;

/**
 * Loki, storing in the stack's object store, without multi-tenancy.
 *
 * - reference profile, grafana/loki-simple-scalable 1.8.11 (Loki 2.6): one replica per target
 *   (read, write, gateway). Monitoring extras that need the Prometheus Operator or Grafana Agent
 *   CRDs are off: this cluster has neither.
 * - current profile, grafana-community/loki 18.x (Loki 3.7): `deployment` (Monolithic by default),
 *   schema v13 on TSDB with structured metadata (where the log collector puts `trace_id`), retention
 *   by the compactor, reads and writes through the chart's gateway. The memcached caches, the canary
 *   and its Helm test are off (a small cluster's footprint; the canary is what the test needs).
 */
export class Loki extends HelmRelease<LokiSimpleScalableValues | LokiValues> {
  public readonly buckets: { readonly chunks: string; readonly ruler: string };
  public readonly deployment?: LokiDeployment;
  public readonly replicationFactor?: number;
  public readonly retention?: string;
  private readonly storage: ObjectStore;

  constructor(scope: Construct, id: string, props: LokiProps) {
    super(scope, id, 'loki', props);
    this.storage = props.storage;
    this.addDependency(props.storage);
    if (this.profile === 'reference') {
      const currentOnly = (['deployment', 'replicationFactor', 'retention'] as const).filter((p) => props[p] !== undefined);
      if (currentOnly.length > 0) {
        throw new Error(`${id}: ${currentOnly.join(', ')} apply to the current profile's Loki 3 only; the reference profile runs loki-simple-scalable as pinned.`);
      }
    } else {
      this.deployment = validateDeployment(id, props.deployment ?? { mode: 'Monolithic' });
      this.replicationFactor = validateReplicationFactor(id, this.deployment, props.replicationFactor);
      this.retention = validateDuration(`${id}.retention`, props.retention ?? '168h');
    }
    // Prefixed with the release name so two Loki releases can share one MinIO. The chart's third
    // bucket, `bucketNames.admin`, is read only by the enterprise (GEL) config, which is off.
    this.buckets = {
      chunks: props.storage.addBucket(`${this.releaseName}-chunks`),
      ruler: props.storage.addBucket(`${this.releaseName}-ruler`),
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

  /**
   * The gateway Service: `loki-gateway` in loki-simple-scalable (see above); `<loki.fullname>-gateway`
   * in the loki chart (templates/gateway/_helpers.tpl), whatever the deployment mode.
   */
  public get gatewayServiceName(): string {
    if (this.profile === 'reference') return `${Loki.CHART_NAME}-gateway`;
    return `${chartFullname(this.releaseName, this.chart.chart)}-gateway`;
  }

  /**
   * Query endpoint for Grafana's Loki datasource: the read path (reference profile), or the gateway,
   * which routes queries to whichever target serves them in every deployment mode (current profile).
   */
  public get queryUrl(): string {
    if (this.profile === 'reference') return serviceUrl(this.readServiceName, this.namespace, LOKI_HTTP_PORT);
    return serviceUrl(this.gatewayServiceName, this.namespace, GATEWAY_PORT);
  }

  /** Push endpoint through the gateway (which routes /loki/api/v1/push to the write path), for Promtail. */
  public get pushUrl(): string {
    return serviceUrl(this.gatewayServiceName, this.namespace, GATEWAY_PORT, '/loki/api/v1/push');
  }

  public renderValues(): LokiSimpleScalableValues | LokiValues {
    return this.profile === 'reference' ? this.referenceValues() : this.currentValues();
  }

  /**
   * The chart's `loki.storage` (same shape in both charts): path-style S3 over plain HTTP inside the
   * cluster, the keys read from env vars (secretKeyRef) that -config.expand-env=true expands into
   * the config, so they never appear in the values or the ConfigMap.
   */
  private s3Storage() {
    const { accessKey, secretKey } = this.storage.credentialsEnvNames;
    return {
      type: 's3',
      bucketNames: this.buckets,
      s3: {
        endpoint: this.storage.s3Endpoint,
        accessKeyId: `\${${accessKey}}`,
        secretAccessKey: `\${${secretKey}}`,
        s3ForcePathStyle: true,
        insecure: true,
      },
    };
  }

  private referenceValues(): LokiSimpleScalableValues {
    // Loki reads the MinIO credentials from env vars (secretKeyRef), expanded into its config
    // by -config.expand-env=true, so they never appear in the values or the ConfigMap.
    const targetEnv = { extraArgs: ['-config.expand-env=true'], extraEnv: this.storage.credentialsEnv() };
    return {
      loki: {
        auth_enabled: false,
        commonConfig: { path_prefix: '/var/loki', replication_factor: 1 },
        // No usage reports to stats.grafana.org from inside the cluster (Loki's default is on);
        // the chart merges structuredConfig over its config template.
        structuredConfig: { analytics: { reporting_enabled: false } },
        storage: this.s3Storage(),
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

  private currentValues(): LokiValues {
    const deployment = this.deployment!;
    return {
      deploymentMode: deployment.mode,
      // Every Loki target reads the S3 keys from env vars (secretKeyRef) expanded into its config by
      // -config.expand-env=true, so they never appear in the values or the ConfigMap.
      defaults: { extraArgs: ['-config.expand-env=true'], extraEnv: this.storage.credentialsEnv() },
      loki: {
        auth_enabled: false,
        commonConfig: { replication_factor: this.replicationFactor },
        // No usage reports to stats.grafana.org from inside the cluster (Loki's default is on).
        analytics: { reporting_enabled: false },
        schemaConfig: {
          configs: [{ ...LOKI_SCHEMA, object_store: 's3', index: { prefix: 'index_', period: '24h' } }],
        },
        limits_config: {
          // Structured metadata (Loki 3 default, stated because the trace links depend on it): the log
          // collector attaches `trace_id` there, not as a label (one stream per trace would explode the index).
          allow_structured_metadata: true,
          retention_period: this.retention,
        },
        // Retention is enforced by the compactor, which needs a store for its delete requests.
        compactor: { retention_enabled: true, delete_request_store: 's3' },
        // Bloom building is off, but in Distributed mode loki 18.11.0 still writes the address of a
        // bloom-planner Service it does not render (found by test/render); no address, no dangling name.
        bloom_build: { enabled: false, builder: { planner_address: '' } },
        storage: this.s3Storage(),
      },
      ...replicaValues(deployment),
      gateway: { replicas: 1 },
      chunksCache: { enabled: false },
      resultsCache: { enabled: false },
      lokiCanary: { enabled: false },
      test: { enabled: false },
    };
  }
}

/** Replica counts of every target: the chart refuses a mix of modes, so the other modes' targets are set to 0. */
function replicaValues(deployment: LokiDeployment): Pick<LokiValues, 'singleBinary' | 'read' | 'write' | 'backend' | LokiDistributedTarget> {
  const zero = { replicas: 0 };
  const distributed = deployment.mode === 'Distributed' ? { ...DISTRIBUTED_DEFAULTS, ...deployment.replicas } : undefined;
  const scalable = deployment.mode === 'SimpleScalable' ? { read: 3, write: 3, backend: 3, ...deployment.replicas } : undefined;
  return {
    singleBinary: { replicas: deployment.mode === 'Monolithic' ? (deployment.replicas ?? 1) : 0 },
    read: scalable ? { replicas: scalable.read } : zero,
    write: scalable ? { replicas: scalable.write } : zero,
    backend: scalable ? { replicas: scalable.backend } : zero,
    distributor: { replicas: distributed?.distributor ?? 0 },
    ingester: { replicas: distributed?.ingester ?? 0 },
    querier: { replicas: distributed?.querier ?? 0 },
    queryFrontend: { replicas: distributed?.queryFrontend ?? 0 },
    queryScheduler: { replicas: distributed?.queryScheduler ?? 0 },
    indexGateway: { replicas: distributed?.indexGateway ?? 0 },
    compactor: { replicas: distributed?.compactor ?? 0 },
  };
}

/** The replicas that hold streams: the monolithic pods, the write path, or the ingesters. */
function streamHolders(deployment: LokiDeployment): number {
  if (deployment.mode === 'Monolithic') return deployment.replicas ?? 1;
  if (deployment.mode === 'SimpleScalable') return deployment.replicas?.write ?? 3;
  return deployment.replicas?.ingester ?? DISTRIBUTED_DEFAULTS.ingester;
}

function validateDeployment(id: string, deployment: LokiDeployment): LokiDeployment {
  const counts: [string, number | undefined][] =
    deployment.mode === 'Monolithic'
      ? [['replicas', deployment.replicas]]
      : Object.entries(deployment.replicas ?? {});
  for (const [name, count] of counts) {
    if (count !== undefined && (!Number.isInteger(count) || count < 1)) {
      throw new Error(`${id}.deployment.replicas${name === 'replicas' ? '' : `.${name}`}: ${count} is not a whole number of at least 1.`);
    }
  }
  return deployment;
}

function validateReplicationFactor(id: string, deployment: LokiDeployment, value: number | undefined): number {
  const holders = streamHolders(deployment);
  const factor = value ?? (deployment.mode === 'Monolithic' ? 1 : 3);
  if (!Number.isInteger(factor) || factor < 1 || factor > holders) {
    throw new Error(`${id}.replicationFactor: ${factor} must be a whole number from 1 to the ${holders} replica(s) that hold streams in ${deployment.mode} mode (deployment.replicas).`);
  }
  return factor;
}

function validateDuration(prop: string, value: string): string {
  if (!/^[1-9][0-9]*h$/.test(value)) throw new Error(`${prop}: "${value}" is not a whole number of hours like "168h".`);
  return value;
}
