/**
 * The rendered configuration of each backend, turned into one that runs on this machine. One
 * function per backend; each lists every change it makes (see config-rewrite.ts), and nothing
 * else differs from what `helm template` rendered. The changes are of three kinds only:
 *
 *  - addresses: every listener on 127.0.0.1 and a free port instead of the pod's port on all
 *    interfaces; every in-cluster Service name (loki-gateway, loki-memberlist, localhost:9090 of
 *    the Prometheus pod) replaced by the loopback address of the process that stands for it;
 *  - storage: MinIO cannot run here (its chart's images are gone from their registry, and there
 *    is no container runtime), so Loki's and Tempo's S3 object store becomes their filesystem /
 *    local backend, and paths under the pods' volumes (/var/loki, /var/tempo, /run/promtail,
 *    /var/log/pods, /etc/config) move into a temporary folder;
 *  - discovery: there is no Kubernetes API, so `kubernetes_sd_configs` become static targets
 *    carrying the `__meta_kubernetes_*` labels discovery would give (pod-discovery.ts).
 *
 * One more, named where it is made: Prometheus evaluates rules every 2 s instead of every minute
 * (so a check does not wait up to a minute for the first evaluation). Loki's and Tempo's usage
 * reports are already off in the render (lib/loki, lib/tempo).
 */
import * as path from 'node:path';
import { ConfigChange, RewrittenConfig, rewriteArgs, rewrite } from './config-rewrite';
import type { DiscoveredTarget } from './pod-discovery';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const LOOPBACK = '127.0.0.1';
export const LISTEN = 'listen on loopback only (the pod listens on all interfaces)';
const NO_MINIO = 'MinIO cannot run here: S3 object storage becomes the local filesystem';
export const NO_VOLUME = 'the pod volume becomes a folder of the test';
export const OBJECT_STORE = 'the object store\'s Service becomes the SeaweedFS process (same buckets, same keys)';
export const NO_API = 'no Kubernetes API here: discovery becomes static targets with the labels it would give';

export interface LokiLoopback {
  readonly httpPort: number;
  readonly grpcPort: number;
  readonly memberlistPort: number;
  readonly dataDir: string;
}

/** Loki's rendered config.yaml (ConfigMap of the loki release), for one process on loopback. */
export function lokiForLoopback(rendered: Doc, local: LokiLoopback): RewrittenConfig<Doc> {
  return rewrite(rendered, (set) => {
    set(['server', 'http_listen_address'], LOOPBACK, LISTEN);
    set(['server', 'http_listen_port'], local.httpPort, 'a free port');
    set(['server', 'grpc_listen_address'], LOOPBACK, LISTEN);
    set(['server', 'grpc_listen_port'], local.grpcPort, 'a free port');
    set(['memberlist', 'bind_addr'], [LOOPBACK], LISTEN);
    set(['memberlist', 'bind_port'], local.memberlistPort, 'a free port');
    set(['memberlist', 'join_members'], [`${LOOPBACK}:${local.memberlistPort}`],
      'the loki-memberlist Service becomes this process (with no member to join, Loki 2.6 falls back to Consul)');
    set(['common', 'ring'], { instance_addr: LOOPBACK, kvstore: { store: 'memberlist' } },
      'advertise the loopback address in the rings (Loki would pick the first non-loopback interface, where nothing listens); '
      + 'setting common.ring drops Loki\'s implicit memberlist store, so it is named');
    set(['frontend', 'address'], LOOPBACK, 'the query frontend advertises the loopback address to its workers, for the same reason');
    set(['common', 'path_prefix'], path.join(local.dataDir, 'loki'), NO_VOLUME);
    set(['common', 'storage'], {
      filesystem: { chunks_directory: path.join(local.dataDir, 'chunks'), rules_directory: path.join(local.dataDir, 'rules') },
    }, NO_MINIO);
    set(['ruler', 'storage'], { type: 'local', local: { directory: path.join(local.dataDir, 'rules') } }, NO_MINIO);
    rendered.schema_config.configs.forEach((_: unknown, i: number) =>
      set(['schema_config', 'configs', i, 'object_store'], 'filesystem', NO_MINIO));
  });
}

/**
 * Loki's arguments (the loki-write StatefulSet's): the chart runs this config twice, as
 * `-target=write` and `-target=read` behind an nginx gateway; here one process runs both halves.
 */
export function lokiArgsForLoopback(rendered: readonly string[], configFile: string): { args: string[]; changes: ConfigChange[] } {
  return rewriteArgs(rendered, {
    'config.file': { value: configFile, why: NO_VOLUME },
    target: { value: 'all', why: 'one process for the write and read StatefulSets (and no gateway: clients talk to it directly)' },
  });
}

export interface TempoLoopback {
  readonly httpPort: number;
  readonly grpcPort: number;
  /** Receivers: otlp http/grpc, jaeger grpc/thrift_binary/thrift_compact/thrift_http, opencensus (where the render has them). */
  readonly receiverPorts: Readonly<Record<'otlpHttp' | 'otlpGrpc' | 'jaegerGrpc' | 'jaegerThriftBinary' | 'jaegerThriftCompact' | 'jaegerThriftHttp' | 'opencensus', number>>;
  readonly dataDir: string;
  /** Where the ConfigMap's overrides.yaml is written. */
  readonly overridesFile: string;
  /** The Prometheus process, for the metrics generator's remote write (when the render has one). */
  readonly prometheusUrl: string;
  /**
   * The S3 endpoint (host:port) of the local object store, when there is one: Tempo keeps its S3
   * backend and only the address changes. @default - no object store: the local backend
   */
  readonly s3Endpoint?: string;
}

/** Tempo's rendered tempo.yaml (ConfigMap of the tempo release), for one process on loopback. */
export function tempoForLoopback(rendered: Doc, local: TempoLoopback): RewrittenConfig<Doc> {
  const ports = local.receiverPorts;
  const receivers = ['distributor', 'receivers'];
  const renderedReceivers = (rendered.distributor?.receivers ?? {}) as Doc;
  return rewrite(rendered, (set) => {
    set(['server', 'http_listen_address'], LOOPBACK, LISTEN);
    set(['server', 'http_listen_port'], local.httpPort, 'a free port');
    set(['server', 'grpc_listen_address'], LOOPBACK, LISTEN);
    set(['server', 'grpc_listen_port'], local.grpcPort, 'a free port');
    set(['ingester', 'lifecycler', 'address'], LOOPBACK,
      'advertise the loopback address in the ingester ring (Tempo would pick the first non-loopback interface, where nothing listens)');
    set([...receivers, 'otlp', 'protocols', 'http', 'endpoint'], `${LOOPBACK}:${ports.otlpHttp}`, LISTEN);
    set([...receivers, 'otlp', 'protocols', 'grpc', 'endpoint'], `${LOOPBACK}:${ports.otlpGrpc}`, LISTEN);
    if (renderedReceivers.jaeger) {
      set([...receivers, 'jaeger', 'protocols', 'grpc', 'endpoint'], `${LOOPBACK}:${ports.jaegerGrpc}`, LISTEN);
      set([...receivers, 'jaeger', 'protocols', 'thrift_binary', 'endpoint'], `${LOOPBACK}:${ports.jaegerThriftBinary}`, LISTEN);
      set([...receivers, 'jaeger', 'protocols', 'thrift_compact', 'endpoint'], `${LOOPBACK}:${ports.jaegerThriftCompact}`, LISTEN);
      set([...receivers, 'jaeger', 'protocols', 'thrift_http', 'endpoint'], `${LOOPBACK}:${ports.jaegerThriftHttp}`, LISTEN);
    }
    // `opencensus: null` in the render means "enabled, default endpoint" = 0.0.0.0:55678.
    if ('opencensus' in renderedReceivers) {
      set([...receivers, 'opencensus'], { endpoint: `${LOOPBACK}:${ports.opencensus}` }, `${LISTEN}; the render's null means the default 0.0.0.0:55678`);
    }
    if (local.s3Endpoint) {
      set(['storage', 'trace', 's3', 'endpoint'], local.s3Endpoint, OBJECT_STORE);
    } else {
      set(['storage', 'trace', 'backend'], 'local', NO_MINIO);
    }
    set(['storage', 'trace', 'local', 'path'], path.join(local.dataDir, 'traces'), NO_VOLUME);
    set(['storage', 'trace', 'wal', 'path'], path.join(local.dataDir, 'wal'), NO_VOLUME);
    set(['overrides', 'per_tenant_override_config'], local.overridesFile, 'the ConfigMap\'s overrides.yaml, written beside tempo.yaml');
    const generator = rendered.metrics_generator as Doc | undefined;
    if (generator) {
      set(['metrics_generator', 'ring', 'instance_addr'], LOOPBACK,
        'advertise the loopback address in the metrics-generator ring (the distributor sends it spans there)');
      if (generator.storage?.path) set(['metrics_generator', 'storage', 'path'], path.join(local.dataDir, 'generator'), NO_VOLUME);
      if (generator.traces_storage?.path) set(['metrics_generator', 'traces_storage', 'path'], path.join(local.dataDir, 'generator-traces'), NO_VOLUME);
      ((generator.storage?.remote_write ?? []) as Doc[]).forEach((rw, i) => {
        const url = new URL(rw.url);
        set(['metrics_generator', 'storage', 'remote_write', i, 'url'], `${local.prometheusUrl}${url.pathname}`, 'the prometheus-server Service becomes the Prometheus process');
      });
    }
  });
}

export function tempoArgsForLoopback(rendered: readonly string[], configFile: string): { args: string[]; changes: ConfigChange[] } {
  return rewriteArgs(rendered, { 'config.file': { value: configFile, why: NO_VOLUME } });
}

export interface PromtailLoopback {
  readonly httpPort: number;
  readonly grpcPort: number;
  /** Loki's push URL (the render's points at the loki-gateway Service). */
  readonly pushUrl: string;
  readonly dataDir: string;
  /** Stands for the node's /var/log/pods. */
  readonly podLogRoot: string;
  /** What pod discovery would find on this node. */
  readonly podTargets: readonly DiscoveredTarget[];
}

export const KUBELET_POD_LOGS = '/var/log/pods/';

/** Promtail's rendered promtail.yaml (Secret of the promtail release), for one process on loopback. */
export function promtailForLoopback(rendered: Doc, local: PromtailLoopback): RewrittenConfig<Doc> {
  return rewrite(rendered, (set) => {
    set(['server', 'http_listen_address'], LOOPBACK, LISTEN);
    set(['server', 'http_listen_port'], local.httpPort, 'a free port');
    set(['server', 'grpc_listen_address'], LOOPBACK, LISTEN);
    set(['server', 'grpc_listen_port'], local.grpcPort, 'a free port (the default 9095 is Loki\'s too)');
    (rendered.clients as Doc[]).forEach((_, i) => set(['clients', i, 'url'], local.pushUrl, 'the loki-gateway Service becomes the Loki process'));
    set(['positions', 'filename'], path.join(local.dataDir, 'positions.yaml'), NO_VOLUME);
    (rendered.scrape_configs as Doc[]).forEach((job, i) => {
      if (!job.kubernetes_sd_configs) return;
      set(['scrape_configs', i, 'kubernetes_sd_configs'], undefined, NO_API);
      set(['scrape_configs', i, 'static_configs'], local.podTargets.map((t) => ({ targets: t.targets, labels: t.labels })), NO_API);
      (job.relabel_configs as Doc[]).forEach((rule, r) => {
        if (rule.target_label === '__path__' && String(rule.replacement).startsWith(KUBELET_POD_LOGS)) {
          set(['scrape_configs', i, 'relabel_configs', r, 'replacement'],
            String(rule.replacement).replace(KUBELET_POD_LOGS, `${local.podLogRoot}/`), `the node's ${KUBELET_POD_LOGS} becomes a folder of the test`);
        }
      });
    });
  });
}

export function promtailArgsForLoopback(rendered: readonly string[], configFile: string): { args: string[]; changes: ConfigChange[] } {
  return rewriteArgs(rendered, { 'config.file': { value: configFile, why: NO_VOLUME } });
}

export interface PrometheusLoopback {
  readonly port: number;
  /** Where every file of the server ConfigMap is written (the pod mounts it at /etc/config). */
  readonly configDir: string;
  /** What role-pod discovery would find: the model service's pod. */
  readonly podTargets: readonly DiscoveredTarget[];
}

const PROMETHEUS_CONFIG_MOUNT = '/etc/config/';
const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount/';
// Prometheus refuses a whole config whose CA file is missing; only jobs that find no target here
// (or, for Alertmanager, drop the one pod there is) name it.
const NO_SERVICE_ACCOUNT = 'no service account is mounted here (Prometheus refuses a config whose CA file is missing); this job has no target here that would use it';

/**
 * Prometheus' rendered prometheus.yml (server ConfigMap of the prometheus release). Every job and
 * the Alertmanager lookup keep their relabelling; role-pod discovery finds the model service's
 * pod, the other roles (endpoints, node, service) find nothing, as there is nothing of them here.
 */
export function prometheusForLoopback(rendered: Doc, local: PrometheusLoopback): RewrittenConfig<Doc> {
  const discovered = (sd: Doc[]) => (sd.some((c) => c.role === 'pod') ? local.podTargets.map((t) => ({ targets: t.targets, labels: t.labels })) : []);
  return rewrite(rendered, (set) => {
    set(['global', 'evaluation_interval'], '2s',
      'rules are evaluated every 2 s instead of every minute, so a check does not wait up to a minute for their first evaluation; the rules are unchanged');
    (rendered.rule_files as string[]).forEach((file, i) => {
      if (file.startsWith(PROMETHEUS_CONFIG_MOUNT)) set(['rule_files', i], path.join(local.configDir, file.slice(PROMETHEUS_CONFIG_MOUNT.length)), NO_VOLUME);
    });
    (rendered.scrape_configs as Doc[]).forEach((job, i) => {
      (job.static_configs as Doc[] | undefined)?.forEach((sc, s) =>
        (sc.targets as string[]).forEach((target, t) => {
          if (target === 'localhost:9090') set(['scrape_configs', i, 'static_configs', s, 'targets', t], `${LOOPBACK}:${local.port}`, 'Prometheus\' own port');
        }));
      if (!job.kubernetes_sd_configs) return;
      set(['scrape_configs', i, 'kubernetes_sd_configs'], undefined, NO_API);
      set(['scrape_configs', i, 'static_configs'], discovered(job.kubernetes_sd_configs), NO_API);
      if (job.tls_config?.ca_file?.startsWith(SERVICE_ACCOUNT)) set(['scrape_configs', i, 'tls_config', 'ca_file'], undefined, NO_SERVICE_ACCOUNT);
    });
    ((rendered.alerting?.alertmanagers ?? []) as Doc[]).forEach((am, i) => {
      if (!am.kubernetes_sd_configs) return;
      set(['alerting', 'alertmanagers', i, 'kubernetes_sd_configs'], undefined, NO_API);
      set(['alerting', 'alertmanagers', i, 'static_configs'], discovered(am.kubernetes_sd_configs), NO_API);
      if (am.tls_config?.ca_file?.startsWith(SERVICE_ACCOUNT)) set(['alerting', 'alertmanagers', i, 'tls_config', 'ca_file'], undefined, NO_SERVICE_ACCOUNT);
    });
  });
}

/** The prometheus-server container's arguments (the exemplar-storage flag among them, unchanged). */
export function prometheusArgsForLoopback(rendered: readonly string[], local: { configFile: string; dataDir: string; port: number }): { args: string[]; changes: ConfigChange[] } {
  return rewriteArgs(rendered, {
    'config.file': { value: local.configFile, why: NO_VOLUME },
    'storage.tsdb.path': { value: local.dataDir, why: NO_VOLUME },
    'web.listen-address': { value: `${LOOPBACK}:${local.port}`, why: `${LISTEN}; a free port` },
  });
}
