/**
 * Tempo 2.10 of the current profile on loopback, as many processes as the rendered StatefulSet has
 * replicas. With more than one they form one cluster as the pods do (the chart's args run them as
 * `scalable-single-binary`): memberlist joins them (the headless Service's DNS name becomes the
 * peers' loopback addresses), each runs in its own UTS namespace with its pod's hostname (Tempo
 * names itself in its rings, and labels the metrics it generates, by hostname), and a Service
 * stand-in (service-proxy.ts) sends the OTLP and query traffic of the `tempo` Service to the ready
 * ones. Every difference from the render is listed, as for the other backends.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { ConfigChange, rewrite, rewriteArgs } from './config-rewrite';
import { BackendChanges, BackendOnLoopbackOptions, ReadyProcess, containerEnv, httpOk, renderedContainer, renderedFile, waitFor } from './local-stack';
import { LISTEN, LOOPBACK, TempoLoopback, tempoArgsForLoopback, tempoForLoopback } from './loopback-configs';
import type { ProcessRegistry } from './processes';
import { startServiceProxy } from './service-proxy';

export interface TempoOnLoopbackOptions extends BackendOnLoopbackOptions {
  /** The Prometheus process, for the metrics generator's remote write. */
  readonly prometheusUrl: string;
}

export interface TempoOnLoopback {
  readonly replicas: number;
  /** The `tempo` Service's query port: every ready process (one process: that process). */
  readonly queryUrl: string;
  /** The `tempo` Service's OTLP gRPC address, `host:port`. */
  readonly otlpGrpcAddress: string;
  readonly changes: BackendChanges[];
  /** Each pod's HTTP API (`/flush` cuts and uploads its blocks). */
  readonly podUrls: readonly string[];
  /** Starts the processes (once the bucket exists); resolves when every one is ready, with each process and its readiness URL. */
  start(registry: ProcessRegistry): Promise<ReadyProcess[]>;
}

/** Where UTS namespaces come from: util-linux's unshare (needs root, as CI and this machine have). */
const UNSHARE = 'unshare';
const OWN_HOSTNAME = 'each pod has its own hostname, which Tempo names itself by in its rings and in the metrics it generates: an own UTS namespace with the pod\'s name';

export function tempoOnLoopback(options: TempoOnLoopbackOptions): TempoOnLoopback {
  const { release, port } = options;
  const statefulSet = release.objects.find((o) => o.kind === 'StatefulSet');
  if (!statefulSet) throw new Error(`release ${release.name} has no StatefulSet: the tempo chart changed, update current-tempo.ts`);
  const replicas = (statefulSet.spec as { replicas?: number }).replicas ?? 1;
  const clustered = replicas > 1;
  const container = renderedContainer(release, (c) => c.name === 'tempo');
  const rendered = renderedFile(release, 'ConfigMap', 'tempo.yaml');
  const renderedConfig = parse(rendered.text);
  const overridesFile = path.join(options.dir('tempo'), 'overrides.yaml');
  writeFileSync(overridesFile, renderedFile(release, 'ConfigMap', 'overrides.yaml').text);

  const pods = Array.from({ length: replicas }, (_, i) => {
    const name = `${statefulSet.metadata.name}-${i}`;
    const ports: Pick<TempoLoopback, 'httpPort' | 'grpcPort' | 'receiverPorts'> & { memberlist: number } = {
      httpPort: port(), grpcPort: port(), memberlist: port(),
      receiverPorts: { otlpHttp: port(), otlpGrpc: port(), jaegerGrpc: port(), jaegerThriftBinary: port(), jaegerThriftCompact: port(), jaegerThriftHttp: port(), opencensus: 0 },
    };
    return { name, ports };
  });
  const peers = pods.map((p) => `${LOOPBACK}:${p.ports.memberlist}`);
  const proxies = { query: port(), otlpGrpc: port() };

  const changes: BackendChanges[] = [];
  const runs = pods.map((pod) => {
    const base = tempoForLoopback(renderedConfig, {
      ...pod.ports, dataDir: options.dir(`${pod.name}/data`), overridesFile, prometheusUrl: options.prometheusUrl, s3Endpoint: options.s3Endpoint,
    });
    const cluster = clustered
      ? rewrite(base.config, (set) => {
          // A read asks 2 of the 3 pods; a span whose other copy died with a killed pod is found
          // through the object store once its block is flushed, which queriers see at their next poll.
          set(['storage', 'trace', 'blocklist_poll'], '10s', 'queriers see newly flushed blocks within 10 s, not 5 minutes (the fault tests count spans after a flush)');
          set(['memberlist', 'bind_addr'], [LOOPBACK], LISTEN);
          set(['memberlist', 'bind_port'], pod.ports.memberlist, 'a free port (every pod has 7946 on its own address)');
          set(['memberlist', 'advertise_addr'], LOOPBACK, 'advertise the loopback address (Tempo would pick the first non-loopback interface)');
          set(['memberlist', 'advertise_port'], pod.ports.memberlist, 'advertise the port it binds');
          set(['memberlist', 'join_members'], peers, 'the headless Service\'s DNS name (the -memberlist.host-port flag) becomes the peers\' loopback addresses');
          set(['compactor', 'ring', 'wait_stability_min_duration'], '0s',
            'no minute-long wait for the compactor ring to settle before the pod is ready (which compactor compacts which block is not under test; it saves a minute of every run)');
          if (renderedConfig.querier?.frontend_worker?.frontend_address) {
            set(['querier', 'frontend_worker', 'frontend_address'], `${LOOPBACK}:${pod.ports.grpcPort}`, 'its own pod\'s query-frontend, on the gRPC port it got here');
          }
        })
      : { config: base.config, changes: [] as ConfigChange[] };
    const file = path.join(options.dir(pod.name), 'tempo.yaml');
    writeFileSync(file, stringify(cluster.config));
    const args = tempoArgsForLoopback(container.args ?? [], file);
    const joined = clustered
      ? rewriteArgs(args.args, { 'memberlist.host-port': { value: null, why: 'the peers are in the config file\'s memberlist.join_members (one flag holds one address)' } })
      : { args: args.args, changes: [] as ConfigChange[] };
    const hostname: ConfigChange[] = clustered ? [{ path: 'command', from: 'tempo', to: `${UNSHARE} -u (hostname ${pod.name}) tempo`, why: OWN_HOSTNAME }] : [];
    changes.push({
      backend: `Tempo ${options.version}${clustered ? ` (${pod.name})` : ''}`,
      source: rendered.source,
      changes: [...base.changes, ...cluster.changes, ...args.changes, ...joined.changes, ...hostname],
      documents: { rendered: renderedConfig, rewritten: cluster.config },
    });
    const env = { ...process.env, ...containerEnv(container, options.podContext(pod.name)) };
    const command = clustered
      ? { path: UNSHARE, args: ['-u', 'sh', '-c', 'hostname "$0" && exec "$@"', pod.name, options.binary, ...joined.args] }
      : { path: options.binary, args: joined.args };
    return { pod, env, command, readyUrl: `http://${LOOPBACK}:${pod.ports.httpPort}/ready` };
  });
  if (clustered) {
    changes.push({
      backend: 'tempo Service', source: `Service ${statefulSet.metadata.name} of release ${release.name}`,
      changes: [{ path: 'ClusterIP', from: 'kube-proxy', to: `listeners on ${LOOPBACK}:${proxies.query} (query) and :${proxies.otlpGrpc} (OTLP gRPC)`, why: 'no kube-proxy here: a listener hands each connection to a ready Tempo process (service-proxy.ts)' }],
    });
  }
  const only = pods[0].ports;
  return {
    replicas,
    queryUrl: `http://${LOOPBACK}:${clustered ? proxies.query : only.httpPort}`,
    otlpGrpcAddress: `${LOOPBACK}:${clustered ? proxies.otlpGrpc : only.receiverPorts.otlpGrpc}`,
    changes,
    podUrls: pods.map((p) => `http://${LOOPBACK}:${p.ports.httpPort}`),
    async start(registry) {
      const started = runs.map((run) => ({
        run,
        process: registry.start(run.pod.name, run.command.path, run.command.args, { env: run.env, logFile: path.join(options.dir(run.pod.name), 'tempo.log') }),
      }));
      if (clustered) {
        const query = await startServiceProxy(proxies.query, runs.map((r) => ({ port: r.pod.ports.httpPort, readyUrl: r.readyUrl })));
        const otlp = await startServiceProxy(proxies.otlpGrpc, runs.map((r) => ({ port: r.pod.ports.receiverPorts.otlpGrpc, readyUrl: r.readyUrl })));
        registry.onStop(async () => {
          await Promise.all([query.close(), otlp.close()]);
        });
      }
      await Promise.all(started.map(({ run, process }) => waitFor(run.pod.name, httpOk(run.readyUrl), process.exited, process.output, 180_000)));
      return started.map(({ run, process }) => ({ process, readyUrl: run.readyUrl }));
    },
  };
}
