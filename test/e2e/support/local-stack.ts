/**
 * What both profiles' local stacks share: reading what `helm template` rendered (config files,
 * container arguments, the model service's Deployment) and standing in for the two parts of
 * Kubernetes a process on this machine still needs:
 *  - the kubelet's container environment: literal values, ConfigMap and Secret keys, and the
 *    downward API (pod name, namespace, IP, node), expanded in `$(VAR)` references as the
 *    kubelet does (`containerEnv`);
 *  - the kubelet's container log: the service's stdout and stderr written line by line in the
 *    CRI format (`<RFC 3339 time> stdout F <line>`) to
 *    `<root>/<namespace>_<pod>_<uid>/<container>/0.log`, the file the log collector tails (`writeCriLog`).
 * The profiles' own starters are reference-stack.ts and current-stack.ts.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { SCRAPE_PORT_ANNOTATION } from '../../../lib/prometheus/scrape-configs';
import { REPO_ROOT } from '../../../verify/inputs';
import type { KubeObject, RenderedRelease } from '../../../verify/helm';
import type { StackEndpoints } from '../../../verify/stack-checks';
import type { ConfigChange } from './config-rewrite';
import { PodIdentity, podDiscoveryTargets, podLogPath, withContainerPort } from './pod-discovery';
import type { ManagedProcess, ProcessRegistry } from './processes';

/** The pod the model service process stands for (fixed, so runs compare). */
export const POD: PodIdentity = {
  name: 'model-service-7d9c6b5f4d-q2x7k',
  replicaSetName: 'model-service-7d9c6b5f4d',
  uid: '6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f',
  ip: '127.0.0.1',
  nodeName: 'e2e-node',
};

export interface BackendChanges {
  readonly backend: string;
  /** Where the rendered configuration came from. */
  readonly source: string;
  readonly changes: readonly ConfigChange[];
  /** The rendered and the rewritten configuration document (absent for the model service and text configs). */
  readonly documents?: { readonly rendered: unknown; readonly rewritten: unknown };
}

export interface LocalStack {
  readonly endpoints: StackEndpoints;
  readonly namespace: string;
  readonly appName: string;
  readonly pod: PodIdentity;
  /** Every difference from the rendered configuration, per backend. */
  readonly changes: readonly BackendChanges[];
  /** Paths of the rendered Loki config and the Loki binary, for the config tests. */
  readonly lokiConfig: { readonly rendered: string; readonly binary: string; readonly env: NodeJS.ProcessEnv };
  readonly registry: ProcessRegistry;
  stop(): Promise<void>;
}

export interface LocalStackOptions {
  /** Empty folder for configs, data and logs. */
  readonly workDir: string;
  /** The model file the service serves. */
  readonly modelPath: Promise<string>;
  readonly log?: (line: string) => void;
  /**
   * Where the processes are registered; pass one to be able to stop them even when the starter
   * has not returned (a Jest timeout in beforeAll). A starter that fails stops what it started only
   * in a registry of its own: one passed in is its owner's to stop. @default a new registry
   */
  readonly registry?: ProcessRegistry;
  /** What `npm run synth` wrote for the profile. @default the repository's dist/<profile>/ */
  readonly distDir?: string;
}

/** A rendered config file: the object (of `kind`) in `release` that carries `key`, decoded. */
export function renderedFile(release: RenderedRelease, kind: 'ConfigMap' | 'Secret', key: string): { text: string; source: string } {
  for (const o of release.objects.filter((x) => x.kind === kind)) {
    const { data, stringData } = o as unknown as { data?: Record<string, string>; stringData?: Record<string, string> };
    const text = stringData?.[key] ?? (data?.[key] === undefined ? undefined : kind === 'Secret' ? Buffer.from(data[key], 'base64').toString('utf8') : data[key]);
    if (text !== undefined) return { text, source: `${kind} ${o.metadata.name} (${key}) of release ${release.name}` };
  }
  throw new Error(`release ${release.name} renders no ${kind} with a ${key}`);
}

export interface Container {
  name: string;
  args?: string[];
  command?: string[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
}

export function containersOf(o: KubeObject): Container[] {
  return ((o as unknown as { spec: { template: { spec: { containers: Container[] } } } }).spec.template.spec.containers);
}

const WORKLOADS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'];

/** The rendered container that satisfies `which`. */
export function renderedContainer(release: RenderedRelease, which: (c: Container, o: KubeObject) => boolean): Container {
  for (const o of release.objects.filter((x) => WORKLOADS.includes(x.kind))) {
    const found = containersOf(o).find((c) => which(c, o));
    if (found) return found;
  }
  throw new Error(`release ${release.name} renders no such container`);
}

/** The args of the rendered container that satisfies `which`. */
export function renderedArgs(release: RenderedRelease, which: (c: Container, o: KubeObject) => boolean): string[] {
  return renderedContainer(release, which).args ?? [];
}

export function releaseNamed(releases: readonly RenderedRelease[], chart: string): RenderedRelease {
  const found = releases.find((r) => r.chart.chart === chart);
  if (!found) throw new Error(`the helmfile installs no ${chart} chart`);
  return found;
}

/** Polls `probe` until it answers true; fails early, with the process' output, if it exits. */
export async function waitFor(what: string, probe: () => Promise<boolean>, exited: Promise<unknown>, output: () => string, timeoutMs = 60_000): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (gone) throw new Error(`${what} exited before it was ready:\n${output()}`);
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} not ready within ${timeoutMs / 1000} s:\n${output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Runs `loki -verify-config` (strict: unknown keys fail) on a config file; returns exit status and output. */
export function lokiVerifyConfig(binary: string, configFile: string, env: NodeJS.ProcessEnv): { status: number | null; output: string } {
  const result = spawnSync(binary, [`-config.file=${configFile}`, '-config.expand-env=true', '-verify-config'], { env, encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

export const httpOk = (url: string) => async () => (await fetch(url)).ok;

/** Secret values by `<secret>/<key>`, as `kubectl create secret` would hold them. */
export type SecretValues = ReadonlyMap<string, string>;

export interface PodContext {
  readonly namespace: string;
  readonly pod: PodIdentity;
  readonly manifests?: readonly KubeObject[];
  readonly secrets?: SecretValues;
}

/** A backend's process and the URL that answers 200 once it is ready. */
export interface ReadyProcess {
  readonly process: ManagedProcess;
  readonly readyUrl: string;
}

/** What starting a backend's processes on loopback from its rendered release takes from the stack. */
export interface BackendOnLoopbackOptions {
  readonly release: RenderedRelease;
  readonly binary: string;
  readonly version: string;
  /** The pod of a process (its downward API and Secrets). */
  readonly podContext: (podName: string) => PodContext;
  /** A new folder under the run's work folder. */
  readonly dir: (name: string) => string;
  /** A free loopback port. */
  readonly port: () => number;
  /** host:port of SeaweedFS' S3 API. */
  readonly s3Endpoint: string;
}

/**
 * The environment the kubelet gives `container`: literal values, ConfigMap keys (from
 * `manifests`), Secret keys (from `secrets`), and the downward API, expanded in `$(VAR)`
 * references. A reference to a ConfigMap or Secret key that does not exist is an error, as it
 * keeps the pod from starting.
 */
export function containerEnv(container: Container, context: PodContext): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    const from = variable.valueFrom as {
      configMapKeyRef?: { name: string; key: string }; secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string };
    } | undefined;
    let value = variable.value;
    if (from?.configMapKeyRef) {
      const ref = from.configMapKeyRef;
      const cm = context.manifests?.find((o) => o.kind === 'ConfigMap' && o.metadata.name === ref.name) as unknown as { data: Record<string, string> } | undefined;
      value = cm?.data[ref.key];
      if (value === undefined) throw new Error(`${container.name}: env ${variable.name} names ConfigMap ${ref.name} key ${ref.key}, which does not exist`);
    } else if (from?.secretKeyRef) {
      const ref = from.secretKeyRef;
      value = context.secrets?.get(`${ref.name}/${ref.key}`);
      if (value === undefined) throw new Error(`${container.name}: env ${variable.name} names Secret ${ref.name} key ${ref.key}, which create-secrets.sh does not create`);
    } else if (from?.fieldRef) {
      value = ({
        'metadata.name': context.pod.name,
        'metadata.namespace': context.namespace,
        'status.podIP': context.pod.ip,
        'spec.nodeName': context.pod.nodeName,
      } as Record<string, string>)[from.fieldRef.fieldPath];
      if (value === undefined) throw new Error(`${container.name}: env ${variable.name} uses the downward API's ${from.fieldRef.fieldPath}, which this stand-in does not know`);
    }
    if (value === undefined) continue;
    env[variable.name] = value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole);
  }
  return env;
}

/**
 * The model service's environment from its Deployment, with `overrides` applied. The container's
 * own file paths (config file, model), port and host are the process' own here: the test passes
 * the model and the port on the command line.
 */
export function modelServiceEnv(manifests: readonly KubeObject[], container: Container, namespace: string, overrides: Record<string, string>): { env: Record<string, string>; renderedEndpoint: string | undefined } {
  const env = containerEnv(container, { namespace, pod: POD, manifests });
  const renderedEndpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  for (const key of ['CONFIG_FILE', 'MODEL_PATH', 'PORT', 'HOST']) delete env[key];
  return { env: { ...env, ...overrides }, renderedEndpoint };
}

/** The model service's pod as this machine stands for it: see `modelServicePod`. */
export interface ModelServicePod {
  readonly container: Container;
  /** What pod discovery finds for the pod (with the service's loopback port). */
  readonly podTargets: ReturnType<typeof podDiscoveryTargets>;
  /** The environment the Deployment gives it, exporting spans to `otlpEndpoint`. */
  readonly env: Record<string, string>;
  /** The pod's CRI log file (created empty) under `podLogRoot`. */
  readonly logFile: string;
  /** The changes from the Deployment, for the report. */
  readonly changes: BackendChanges;
}

/**
 * The model service's pod on this machine: its Deployment's container listening on `port`, the
 * targets discovery would give for it, its env with spans sent to `otlpEndpoint` (`otlpWhy` says
 * what the in-cluster endpoint became), and its log file as the kubelet would write it.
 */
export function modelServicePod(
  deployment: KubeObject, manifests: readonly KubeObject[], manifestsFile: string,
  local: { port: number; otlpEndpoint: string; otlpWhy: string; podLogRoot: string },
): ModelServicePod {
  const namespace = deployment.metadata.namespace!;
  const container = containersOf(deployment)[0];
  const containerPort = (container as unknown as { ports: { containerPort: number }[] }).ports[0].containerPort;
  const podTargets = podDiscoveryTargets(withContainerPort(deployment, containerPort, local.port, SCRAPE_PORT_ANNOTATION), POD);
  const serviceEnv = modelServiceEnv(manifests, container, namespace, { OTEL_EXPORTER_OTLP_ENDPOINT: local.otlpEndpoint });
  const logFile = podLogPath(local.podLogRoot, namespace, POD, container.name);
  mkdirSync(path.dirname(logFile), { recursive: true });
  writeFileSync(logFile, '');
  return {
    container,
    podTargets,
    env: serviceEnv.env,
    logFile,
    changes: {
      backend: 'model service',
      source: `Deployment ${deployment.metadata.name} (${path.relative(REPO_ROOT, manifestsFile)})`,
      changes: [
        { path: 'containers[0].ports[0].containerPort, prometheus.io/port', from: containerPort, to: local.port, why: 'a free loopback port' },
        { path: 'env OTEL_EXPORTER_OTLP_ENDPOINT', from: serviceEnv.renderedEndpoint, to: local.otlpEndpoint, why: local.otlpWhy },
      ],
    },
  };
}

/** Appends each line of `stream` to `file` as the kubelet's CRI logger writes it. */
export function writeCriLog(stream: NodeJS.ReadableStream, name: 'stdout' | 'stderr', file: string): void {
  let pending = '';
  stream.on('data', (chunk: Buffer | string) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    // Full lines ("F"); the kubelet splits lines over 16 KiB into "P" parts, which these are not.
    if (lines.length > 0) appendFileSync(file, lines.map((line) => `${new Date().toISOString()} ${name} F ${line}\n`).join(''));
  });
}
