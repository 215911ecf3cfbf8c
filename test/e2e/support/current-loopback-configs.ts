/**
 * The current profile's rendered configurations turned into ones that run on this machine, in the
 * manner of loopback-configs.ts (every change listed, nothing else differs). What differs from the
 * reference profile's rewrites:
 *
 *  - storage stays S3: SeaweedFS runs here (`weed`, the version the chart deploys), so Loki's and
 *    Tempo's object store keeps its buckets, keys and path style, and only its address changes;
 *  - Loki 3 runs as the chart runs it (`-target=all`, Monolithic), with no gateway: the
 *    loki-gateway nginx only proxies to the `loki` Service (`gatewayRoutes` reads that from the
 *    rendered nginx.conf), so the Loki process stands for both;
 *  - Alloy's config is text (the Alloy configuration syntax), rewritten by exact, listed text edits
 *    (`rewriteText`): each must match exactly once, so a changed render fails loudly instead of
 *    running unchanged.
 */
import * as path from 'node:path';
import { ConfigChange, RewrittenConfig, Setter, rewrite, rewriteArgs } from './config-rewrite';
import { KUBELET_POD_LOGS, LISTEN, LOOPBACK, NO_API, NO_VOLUME, OBJECT_STORE } from './loopback-configs';
import type { DiscoveredTarget } from './pod-discovery';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const NO_GATEWAY = 'the loki-gateway Service becomes the Loki process (its nginx.conf routes this path to the loki Service)';

export interface Loki3Loopback {
  readonly httpPort: number;
  readonly grpcPort: number;
  readonly memberlistPort: number;
  readonly dataDir: string;
  /** host:port of SeaweedFS' S3 API. */
  readonly s3Endpoint: string;
  /** Where the loki-runtime ConfigMap's runtime-config.yaml is written. */
  readonly runtimeConfigFile: string;
}

/** Loki 3's rendered config.yaml (ConfigMap `loki` of the loki release), for one process on loopback. */
export function loki3ForLoopback(rendered: Doc, local: Loki3Loopback): RewrittenConfig<Doc> {
  return rewrite(rendered, (set) => lokiProcessOnLoopback(rendered, local, set, {
    memberlistPorts: [local.memberlistPort], members: 'the loki-memberlist Service becomes this process',
    backendGrpcPort: local.grpcPort, backend: 'the loki Service becomes this process',
  }));
}

/** The processes of Loki's SimpleScalable mode on loopback, one per target. */
export const LOKI_SCALABLE_TARGETS = ['write', 'read', 'backend'] as const;
export type LokiScalableTarget = typeof LOKI_SCALABLE_TARGETS[number];

/**
 * The same rendered config.yaml for one process (`-target=write`, `read` or `backend`) of the
 * SimpleScalable mode: as loki3ForLoopback, but the memberlist ring joins all three processes and the
 * compactor and index gateway (targets of `backend`) are the backend process.
 */
export function lokiScalableForLoopback(rendered: Doc, local: Loki3Loopback & {
  /** Every process' memberlist port (write, read, backend). */
  readonly memberlistPorts: readonly number[];
  readonly backendGrpcPort: number;
}): RewrittenConfig<Doc> {
  return rewrite(rendered, (set) => {
    const backend = `${LOOPBACK}:${local.backendGrpcPort}`;
    lokiProcessOnLoopback(rendered, local, set, {
      memberlistPorts: local.memberlistPorts, members: 'the loki-memberlist Service becomes the write, read and backend processes',
      backendGrpcPort: local.backendGrpcPort, backend: 'the loki-backend Service becomes the backend process',
    });
    for (const shipper of ['tsdb_shipper', 'boltdb_shipper']) {
      if (rendered.storage_config?.[shipper]?.index_gateway_client?.server_address) {
        set(['storage_config', shipper, 'index_gateway_client', 'server_address'], backend, 'the loki-backend-headless Service (the index gateway) becomes the backend process');
      }
    }
  });
}

function lokiProcessOnLoopback(
  rendered: Doc, local: Loki3Loopback, set: Setter,
  cluster: { memberlistPorts: readonly number[]; members: string; backendGrpcPort: number; backend: string },
): void {
  set(['server', 'http_listen_address'], LOOPBACK, LISTEN);
  set(['server', 'http_listen_port'], local.httpPort, 'a free port');
  set(['server', 'grpc_listen_address'], LOOPBACK, LISTEN);
  set(['server', 'grpc_listen_port'], local.grpcPort, 'a free port');
  set(['memberlist', 'bind_addr'], [LOOPBACK], LISTEN);
  set(['memberlist', 'bind_port'], local.memberlistPort, 'a free port');
  set(['memberlist', 'advertise_port'], local.memberlistPort, 'the free port it binds');
  set(['memberlist', 'join_members'], cluster.memberlistPorts.map((p) => `${LOOPBACK}:${p}`), cluster.members);
  set(['common', 'ring'], { instance_addr: LOOPBACK, kvstore: { store: 'memberlist' } },
    'advertise the loopback address in the rings (Loki would pick the first non-loopback interface, where nothing listens); '
    + 'setting common.ring drops Loki\'s implicit memberlist store, so it is named');
  set(['common', 'compactor_grpc_address'], `${LOOPBACK}:${cluster.backendGrpcPort}`, cluster.backend);
  set(['frontend', 'address'], LOOPBACK, 'the query frontend advertises the loopback address to its workers, for the same reason');
  set(['common', 'path_prefix'], path.join(local.dataDir, 'loki'), NO_VOLUME);
  set(['common', 'storage', 's3', 'endpoint'], local.s3Endpoint, OBJECT_STORE);
  set(['ruler', 'storage', 's3', 'endpoint'], local.s3Endpoint, OBJECT_STORE);
  set(['ruler', 'wal', 'dir'], path.join(local.dataDir, 'ruler-wal'), NO_VOLUME);
  set(['runtime_config', 'file'], local.runtimeConfigFile, 'the loki-runtime ConfigMap\'s runtime-config.yaml, written beside config.yaml');
  if (rendered.storage_config?.bloom_shipper?.working_directory) {
    set(['storage_config', 'bloom_shipper', 'working_directory'], path.join(local.dataDir, 'bloomshipper'), NO_VOLUME);
  }
}

/**
 * The loki-gateway's routes for the paths the stack uses (Alloy's push, Grafana's queries): the
 * `proxy_pass` backend of each nginx `location` that matches, as `host:port`. The local stack
 * replaces the gateway by the Loki process only when both route to the `loki` Service.
 */
export function gatewayRoutes(nginxConf: string, paths: readonly string[]): Record<string, string | undefined> {
  // One chunk per `location`: its modifier and path, and the `$backend` it proxies to. (A block's
  // own braces, such as the `${query_tags}` of a header it sets, rule out matching up to `}`.)
  const locations = nginxConf.split(/\n\s*location\s+/).slice(1).map((chunk) => {
    const head = /^(=|\^~)?\s*(\S+)\s*\{/.exec(chunk);
    return { exact: head?.[1] === '=', prefix: head?.[2] ?? '', backend: /set \$backend\s+"https?:\/\/([^"/]+)"/.exec(chunk)?.[1] };
  });
  const route = (p: string) => {
    const exact = locations.find((l) => l.exact && l.prefix === p);
    if (exact) return exact.backend;
    const prefixes = locations.filter((l) => !l.exact && p.startsWith(l.prefix)).sort((a, b) => b.prefix.length - a.prefix.length);
    return prefixes[0]?.backend;
  };
  return Object.fromEntries(paths.map((p) => [p, route(p)]));
}

/** Text edits to a rendered text config: each `from` must occur exactly once. */
export interface TextEdit {
  readonly from: string | RegExp;
  readonly to: string;
  readonly why: string;
  /** Names the edit in the change list. @default the text replaced */
  readonly path?: string;
}

export function rewriteText(rendered: string, edits: readonly TextEdit[]): { text: string; changes: ConfigChange[] } {
  let text = rendered;
  const changes: ConfigChange[] = [];
  for (const edit of edits) {
    const pattern = typeof edit.from === 'string' ? new RegExp(edit.from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g') : new RegExp(edit.from.source, `${edit.from.flags.replace('g', '')}g`);
    const matches = [...text.matchAll(pattern)];
    if (matches.length !== 1) throw new Error(`the rendered config has ${matches.length} occurrences of ${pattern}, expected exactly 1: the render changed, update this edit`);
    text = text.replace(pattern, () => edit.to);
    changes.push({ path: edit.path ?? matches[0][0].split('\n')[0].trim(), from: matches[0][0].trim(), to: edit.to.trim(), why: edit.why });
  }
  return { text, changes };
}

export interface AlloyLoopback {
  /** What pod discovery would find on this node. */
  readonly podTargets: readonly DiscoveredTarget[];
  /** Stands for the node's /var/log/pods. */
  readonly podLogRoot: string;
  /** Loki's push URL on loopback. */
  readonly pushUrl: string;
  /** The push URL the render names (the loki-gateway's). */
  readonly renderedPushUrl: string;
}

/** What moves for Alloy's OTLP gateway (its traces part of config.alloy). */
export interface AlloyGatewayLoopback {
  /** Loopback ports for the OTLP receiver. */
  readonly otlpGrpcPort: number;
  readonly otlpHttpPort: number;
  /** Tempo's OTLP gRPC receiver on loopback, and the address the render names. */
  readonly tempoOtlpGrpcAddress: string;
  readonly renderedTempoAddress: string;
  /** Stands for the node's hostPath folder of the sending queue. */
  readonly queueDirectory: string;
  readonly renderedQueueDirectory: string;
  /**
   * What the Kubernetes attributes processor would add to the spans of the model service's pod
   * (found by the connection's address, which the API maps to the pod), and that pod's service name.
   */
  readonly podAttributes: Readonly<Record<string, string>>;
  readonly serviceName: string;
}

/**
 * The stand-in for `otelcol.processor.k8sattributes`, which needs the Kubernetes API: a transform
 * processor setting on the pod's spans the resource attributes the API would have given. Its
 * spans are told from the traced caller's by service name (all connections here come from 127.0.0.1).
 */
export function k8sAttributesStandIn(local: Pick<AlloyGatewayLoopback, 'podAttributes' | 'serviceName'>, output: string): string {
  const statements = Object.entries(local.podAttributes).map(([key, value]) =>
    `      ${JSON.stringify(`set(attributes[${JSON.stringify(key)}], ${JSON.stringify(value)}) where attributes["service.name"] == ${JSON.stringify(local.serviceName)}`)},`);
  return [
    'otelcol.processor.transform "k8sattributes_stand_in" {',
    '  trace_statements {',
    '    context    = "resource"',
    '    statements = [',
    ...statements,
    '    ]',
    '  }',
    '  output {',
    `    traces = [${output}]`,
    '  }',
    '}',
  ].join('\n');
}

/** Alloy's OTLP gateway on loopback: listeners, Tempo's address, the queue folder, and the k8sattributes stand-in. */
export function alloyGatewayEdits(rendered: string, local: AlloyGatewayLoopback): TextEdit[] {
  const block = /\notelcol\.processor\.k8sattributes "default" \{\n[\s\S]*?\n\}\n/.exec(rendered)?.[0];
  if (!block) throw new Error('the rendered config.alloy has no otelcol.processor.k8sattributes "default" block: the render changed, update this rewrite');
  const output = /traces = \[([^\]]+)\]/.exec(block)?.[1];
  if (!output) throw new Error('the rendered k8sattributes block names no traces output');
  return [
    { from: '"0.0.0.0:4317"', to: `"${LOOPBACK}:${local.otlpGrpcPort}"`, path: 'otelcol.receiver.otlp grpc endpoint', why: `${LISTEN}; a free port` },
    { from: '"0.0.0.0:4318"', to: `"${LOOPBACK}:${local.otlpHttpPort}"`, path: 'otelcol.receiver.otlp http endpoint', why: `${LISTEN}; a free port` },
    { from: 'traces = [otelcol.processor.k8sattributes.default.input]', to: 'traces = [otelcol.processor.transform.k8sattributes_stand_in.input]', path: 'otelcol.receiver.otlp output', why: NO_API },
    { from: block, to: `\n${k8sAttributesStandIn(local, output)}\n`, path: 'otelcol.processor.k8sattributes "default"', why: `${NO_API}: a transform sets what it would find for the pod` },
    { from: `"${local.renderedQueueDirectory}"`, to: `"${local.queueDirectory}"`, path: 'otelcol.storage.file "queue" directory', why: 'the node\'s hostPath folder becomes a folder of the test' },
    { from: `"${local.renderedTempoAddress}"`, to: `"${local.tempoOtlpGrpcAddress}"`, path: 'otelcol.exporter.otlp "tempo" endpoint', why: 'the tempo Service becomes the Tempo process' },
  ];
}

/** A value in the Alloy configuration syntax (strings are JSON-quoted, which the syntax shares). */
function alloyValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(alloyValue).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{\n${Object.entries(value).map(([k, v]) => `    ${JSON.stringify(k)} = ${alloyValue(v)},`).join('\n')}\n  }`;
  }
  return JSON.stringify(value);
}

/**
 * Alloy's rendered config.alloy (ConfigMap of the alloy release): discovery.kubernetes becomes the
 * targets it would give, the node's pod log folder a folder of the test, the gateway's push URL
 * Loki's; with `gateway`, the OTLP gateway's listeners, queue folder and Tempo address move here and
 * the k8sattributes processor is replaced by its stand-in. Every other block, stage and rule runs as rendered.
 */
export function alloyForLoopback(rendered: string, local: AlloyLoopback, gateway?: AlloyGatewayLoopback): { text: string; changes: ConfigChange[] } {
  const targets = local.podTargets.map((t) => ({ __address__: t.targets[0], ...t.labels }));
  return rewriteText(rendered, [
    ...(gateway ? alloyGatewayEdits(rendered, gateway) : []),
    { from: /(?:^|\n)discovery\.kubernetes "pods" \{\n[\s\S]*?\n\}\n/, to: '\n', path: 'discovery.kubernetes "pods"', why: NO_API },
    { from: 'targets = discovery.kubernetes.pods.targets', to: `targets = ${alloyValue(targets)}`, path: 'discovery.relabel "pod_logs" targets', why: NO_API },
    { from: KUBELET_POD_LOGS, to: `${local.podLogRoot}/`, why: `the node's ${KUBELET_POD_LOGS} becomes a folder of the test` },
    { from: `"${local.renderedPushUrl}"`, to: `"${local.pushUrl}"`, path: 'loki.write "default" endpoint url', why: NO_GATEWAY },
  ]);
}

/** Alloy's arguments (the DaemonSet's): the config file, its storage and its listener move here. */
export function alloyArgsForLoopback(rendered: readonly string[], local: { configFile: string; renderedConfigFile: string; storageDir: string; httpPort: number }): { args: string[]; changes: ConfigChange[] } {
  const configAt = rendered.indexOf(local.renderedConfigFile);
  if (configAt < 0) throw new Error(`Alloy's rendered args name no ${local.renderedConfigFile}: ${rendered.join(' ')}`);
  const withConfig = rendered.map((a, i) => (i === configAt ? local.configFile : a));
  const flags = rewriteArgs(withConfig, {
    'storage.path': { value: local.storageDir, why: NO_VOLUME },
    'server.http.listen-addr': { value: `${LOOPBACK}:${local.httpPort}`, why: `${LISTEN}; a free port` },
  });
  return { args: flags.args, changes: [{ path: 'run <config file>', from: local.renderedConfigFile, to: local.configFile, why: NO_VOLUME }, ...flags.changes] };
}

export interface SeaweedLoopback {
  /**
   * master, volume, filer and S3 ports (weed listens for gRPC on each + 10000), and the listeners
   * the chart leaves at weed's defaults: metrics, the S3 gateway's Iceberg and Lance endpoints.
   */
  readonly ports: Readonly<Record<'master' | 'volume' | 'filer' | 's3' | 'metrics' | 'iceberg' | 'lance', number>>;
  readonly dataDir: string;
  /** The rendered seaweedfs-s3-secret's seaweedfs_s3_config, written here. */
  readonly s3ConfigFile: string;
}

/**
 * The weed command line of the all-in-one Deployment: its container runs `/bin/sh -ec` on one
 * `weed ... server ...` line (continuations joined, `${VAR}` expanded from the container's env
 * as the shell would); the binary, addresses, ports, data folder and S3 identities file move here.
 */
export function seaweedArgsForLoopback(script: string, env: Readonly<Record<string, string>>, local: SeaweedLoopback): { args: string[]; changes: ConfigChange[] } {
  const words = script.replace(/\\\n/g, ' ').trim().split(/\s+/)
    .map((w) => w.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => env[name] ?? whole));
  if (!/\/weed$/.test(words[0])) throw new Error(`the SeaweedFS container does not run weed: ${script}`);
  const free = (port: number) => ({ value: String(port), why: 'a free port (its gRPC port, + 10000, is free too)' });
  return rewriteArgs(words.slice(1), {
    'ip.bind': { value: LOOPBACK, why: LISTEN },
    dir: { value: local.dataDir, why: NO_VOLUME },
    'master.port': free(local.ports.master),
    'volume.port': free(local.ports.volume),
    'filer.port': free(local.ports.filer),
    's3.port': free(local.ports.s3),
    metricsPort: { value: String(local.ports.metrics), why: 'a free port' },
    // Unset in the render: weed's fixed defaults (8181, 9101) would clash with any other weed here.
    's3.port.iceberg': { value: String(local.ports.iceberg), why: 'a free port instead of weed\'s default 8181, which another weed on this machine may hold' },
    's3.port.lance': { value: String(local.ports.lance), why: 'a free port instead of weed\'s default 9101, which another weed on this machine may hold' },
    's3.config': { value: local.s3ConfigFile, why: 'the seaweedfs-s3-secret\'s file, written to a folder of the test' },
  });
}

/** The bucket hook Job's script, run as it is but for the weed binary's path. */
export function bucketHookForLoopback(script: string, weedBinary: string): { text: string; changes: ConfigChange[] } {
  const calls = script.split(IMAGE_WEED).length - 1;
  if (calls === 0) throw new Error(`the bucket hook calls no ${IMAGE_WEED}: the render changed, update this rewrite`);
  return {
    text: script.split(IMAGE_WEED).join(weedBinary),
    changes: [{ path: `${IMAGE_WEED} (${calls} calls)`, from: IMAGE_WEED, to: weedBinary, why: 'the image\'s weed is the weed binary here' }],
  };
}

const IMAGE_WEED = '/usr/bin/weed';
