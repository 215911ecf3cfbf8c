/**
 * Loki 3 of the current profile on loopback, in the deployment mode the render has: one process
 * (`-target=all`, Monolithic) or one process per target of the SimpleScalable mode (`write`, `read`
 * and `backend`, each with the rendered config of that mode, their rings joined over memberlist on
 * loopback, all on the same SeaweedFS). Every difference from the render is listed, as in
 * current-loopback-configs.ts, and the loki-gateway is replaced by the processes its nginx.conf
 * routes the stack's paths to.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import type { RenderedRelease } from '../../../verify/helm';
import { rewriteArgs } from './config-rewrite';
import {
  LOKI_SCALABLE_TARGETS, LokiScalableTarget, gatewayRoutes, loki3ForLoopback, lokiScalableForLoopback,
} from './current-loopback-configs';
import {
  BackendChanges, BackendOnLoopbackOptions, ReadyProcess, containerEnv, httpOk, lokiVerifyConfig, renderedContainer, renderedFile, waitFor,
} from './local-stack';
import { LOOPBACK } from './loopback-configs';
import type { ProcessRegistry } from './processes';

/** The paths of Loki's API the stack uses through the gateway: Alloy's push and Grafana's queries. */
export const GATEWAY_PATHS = { push: '/loki/api/v1/push', query: '/loki/api/v1/query_range' } as const;

export interface LokiOnLoopbackOptions extends BackendOnLoopbackOptions {
  readonly namespace: string;
}

export interface LokiOnLoopback {
  readonly mode: 'Monolithic' | 'SimpleScalable';
  /** Where Grafana's queries go: the process behind the Service the gateway routes queries to. */
  readonly queryUrl: string;
  /** Where Alloy pushes: the process behind the Service the gateway routes pushes to. */
  readonly pushUrl: string;
  /** The gateway's routes for the stack's paths, and the Services the processes stand for. */
  readonly gateway: { readonly routes: Record<string, string | undefined>; readonly expected: Record<string, string> };
  readonly changes: BackendChanges[];
  /** The rendered config (as written) and the environment the processes run with, for the config tests. */
  readonly renderedConfigFile: string;
  readonly env: NodeJS.ProcessEnv;
  /** Starts the processes (once the buckets exist); resolves when every one is ready, with each process and its readiness URL. */
  start(registry: ProcessRegistry): Promise<ReadyProcess[]>;
}

type LokiWorkload = { name: string; target: 'all' | LokiScalableTarget };

/** The Loki workloads the render has: `loki` (Monolithic) or `loki-write`, `loki-read`, `loki-backend`. */
function lokiWorkloads(release: RenderedRelease): LokiWorkload[] {
  const names = release.objects.filter((o) => ['StatefulSet', 'Deployment'].includes(o.kind)).map((o) => o.metadata.name);
  const scalable = LOKI_SCALABLE_TARGETS.map((target) => ({ name: names.find((n) => n.endsWith(`-${target}`)), target }));
  if (scalable.every((w) => w.name !== undefined)) return scalable as LokiWorkload[];
  const monolithic = names.find((n) => !n.endsWith('-gateway') && !n.includes('canary') && !n.includes('memcached'));
  if (!monolithic) throw new Error(`release ${release.name} renders no Loki workload: ${names.join(', ')}`);
  return [{ name: monolithic, target: 'all' }];
}

export function lokiOnLoopback(options: LokiOnLoopbackOptions): LokiOnLoopback {
  const { release, binary, namespace } = options;
  const workloads = lokiWorkloads(release);
  const scalable = workloads.length > 1;
  const containerOf = (workload: LokiWorkload) => renderedContainer(release, (c, o) => o.metadata.name === workload.name && (c.args ?? []).some((a) => a.startsWith('-config.file=')));
  // Every process of a mode runs the same rendered config.yaml; it must pass Loki's own strict check as it is.
  const env = { ...process.env, ...containerEnv(containerOf(workloads[0]), options.podContext(`${workloads[0].name}-0`)) };
  const rendered = renderedFile(release, 'ConfigMap', 'config.yaml');
  const renderedConfigFile = path.join(options.dir('loki'), 'rendered-config.yaml');
  writeFileSync(renderedConfigFile, rendered.text);
  const renderedCheck = lokiVerifyConfig(binary, renderedConfigFile, env);
  if (renderedCheck.status !== 0) throw new Error(`Loki ${options.version} refuses the rendered config (${rendered.source}):\n${renderedCheck.output}`);
  const runtimeConfigFile = path.join(options.dir('loki'), 'runtime-config.yaml');
  writeFileSync(runtimeConfigFile, renderedFile(release, 'ConfigMap', 'runtime-config.yaml').text);

  const ports = workloads.map(() => ({ httpPort: options.port(), grpcPort: options.port(), memberlistPort: options.port() }));
  const backendPorts = ports[workloads.findIndex((w) => w.target === 'backend' || w.target === 'all')];
  const changes: BackendChanges[] = [];
  const processes = workloads.map((workload, i) => {
    const label = scalable ? `loki-${workload.target}` : 'loki';
    const local = { ...ports[i], dataDir: options.dir(`${label}/data`), s3Endpoint: options.s3Endpoint, runtimeConfigFile };
    const config = scalable
      ? lokiScalableForLoopback(parse(rendered.text), { ...local, memberlistPorts: ports.map((p) => p.memberlistPort), backendGrpcPort: backendPorts.grpcPort })
      : loki3ForLoopback(parse(rendered.text), local);
    const file = path.join(options.dir(label), 'config.yaml');
    writeFileSync(file, stringify(config.config));
    const check = lokiVerifyConfig(binary, file, env);
    if (check.status !== 0) throw new Error(`Loki refuses the loopback config ${file}:\n${check.output}`);
    const processEnv = { ...process.env, ...containerEnv(containerOf(workload), options.podContext(`${workload.name}-0`)) };
    const args = rewriteArgs(expandArgs(containerOf(workload).args ?? [], processEnv as Record<string, string>), {
      'config.file': { value: file, why: 'the pod volume becomes a folder of the test' },
    });
    changes.push({
      backend: `Loki ${options.version}${scalable ? ` (${workload.target})` : ''}`,
      source: rendered.source,
      changes: [...config.changes, ...args.changes],
      documents: { rendered: parse(rendered.text), rewritten: config.config },
    });
    return { label, workload, args: args.args, env: processEnv, url: `http://${LOOPBACK}:${ports[i].httpPort}`, logFile: path.join(options.dir(label), 'loki.log') };
  });

  // The gateway stands for nothing but a proxy to Loki's Services: checked, then left out.
  const service = (target: 'all' | LokiScalableTarget) => {
    const name = scalable ? `${release.name}-${target}` : release.name;
    return `${name}.${namespace}.svc.cluster.local:3100`;
  };
  const behind = (target: LokiScalableTarget) => (scalable ? processes.find((p) => p.workload.target === target)! : processes[0]);
  const expected: Record<string, string> = { [GATEWAY_PATHS.push]: service(scalable ? 'write' : 'all'), [GATEWAY_PATHS.query]: service(scalable ? 'read' : 'all') };
  const routes = gatewayRoutes(renderedFile(release, 'ConfigMap', 'nginx.conf').text, Object.values(GATEWAY_PATHS));
  const misrouted = Object.entries(routes).filter(([p, to]) => to !== expected[p]);
  if (misrouted.length > 0) {
    throw new Error(`the loki-gateway routes ${misrouted.map(([p, to]) => `${p} to ${to}, not ${expected[p]}`).join('; ')}: the local stack cannot stand in for it`);
  }

  return {
    mode: scalable ? 'SimpleScalable' : 'Monolithic',
    queryUrl: behind('read').url,
    pushUrl: `${behind('write').url}${GATEWAY_PATHS.push}`,
    gateway: { routes, expected },
    changes,
    renderedConfigFile,
    env,
    start: async (registry) => {
      const started = processes.map((p) => ({ p, managed: registry.start(p.label, binary, p.args, { env: p.env, logFile: p.logFile }) }));
      await Promise.all(started.map(({ p, managed }) => waitFor(p.label, httpOk(`${p.url}/ready`), managed.exited, managed.output)));
      return started.map(({ p, managed }) => ({ process: managed, readyUrl: `${p.url}/ready` }));
    },
  };
}

/** `$(VAR)` in container args, expanded from the container's env as the kubelet does. */
export function expandArgs(args: readonly string[], env: Readonly<Record<string, string>>): string[] {
  return args.map((a) => a.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole));
}
