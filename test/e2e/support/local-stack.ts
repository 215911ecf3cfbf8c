/**
 * The observability stack on this machine, from what `npm run synth` wrote: every backend is the
 * real program at the version its pinned chart deploys (Loki 2.6.1, Tempo 2.0.0, Promtail 2.7.3;
 * Debian's Prometheus), started with the configuration `helm template` renders from
 * dist/helm/helmfile.yaml, changed only as loopback-configs.ts lists; the model service is the
 * real service started as a process with the environment the synthesized Deployment gives it.
 *
 * What stands in for Kubernetes:
 *  - the pod: the model service process, described to Prometheus and Promtail by the labels
 *    Kubernetes discovery would give a pod of the synthesized Deployment (pod-discovery.ts);
 *  - the kubelet's container log: the service's stdout and stderr, written line by line in the
 *    CRI format (`<RFC 3339 time> stdout F <line>`) to `<root>/<namespace>_<pod>_<uid>/<container>/0.log`,
 *    the file Promtail's rendered `kubernetes-pods` job tails on a node.
 */
import { profileDir } from '../../../lib/profiles';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { BACKENDS, resolveBackendBinary } from '../../../verify/backend-binaries';
import { KubeObject, RenderedRelease, renderHelmfile } from '../../../verify/helm';
import { REPO_ROOT } from '../../../verify/inputs';
import { startModelService } from '../../../model-service/test/support/service';
import { PROMETHEUS_BINARY, prometheusAvailable } from '../../../model-service/test/support/prometheus';
import { SCRAPE_PORT_ANNOTATION } from '../../../lib/prometheus/scrape-configs';
import type { StackEndpoints } from '../../../verify/stack-checks';
import { ConfigChange } from './config-rewrite';
import {
  lokiArgsForLoopback, lokiForLoopback, prometheusArgsForLoopback, prometheusForLoopback,
  promtailArgsForLoopback, promtailForLoopback, tempoArgsForLoopback, tempoForLoopback,
} from './loopback-configs';
import { PodIdentity, podDiscoveryTargets, podLogPath, withContainerPort } from './pod-discovery';
import { ProcessRegistry } from './processes';
import { loopbackPorts } from './ports';

/** The end-to-end test runs the reference profile: the backends of its pins are the ones on hand. */
export const DIST = profileDir('reference');

/** The pod the model service process stands for (fixed, so runs compare). */
export const POD: PodIdentity = {
  name: 'model-service-7d9c6b5f4d-q2x7k',
  replicaSetName: 'model-service-7d9c6b5f4d',
  uid: '6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f',
  ip: '127.0.0.1',
  nodeName: 'e2e-node',
};

/** Dummy values for the MinIO credentials the rendered configs expand (${MINIO_ROOT_USER}). */
const MINIO_ENV = { MINIO_ROOT_USER: 'e2e-unused', MINIO_ROOT_PASSWORD: 'e2e-unused' };

export interface BackendChanges {
  readonly backend: string;
  /** Where the rendered configuration came from. */
  readonly source: string;
  readonly changes: readonly ConfigChange[];
  /** The rendered and the rewritten configuration document (absent for the model service). */
  readonly documents?: { readonly rendered: unknown; readonly rewritten: unknown };
}

export interface LocalStack {
  readonly endpoints: StackEndpoints;
  readonly namespace: string;
  readonly appName: string;
  readonly pod: PodIdentity;
  /** Every difference from the rendered configuration, per backend. */
  readonly changes: readonly BackendChanges[];
  /** Paths of the rendered and the rewritten Loki config, for the config tests. */
  readonly lokiConfig: { readonly rendered: string; readonly binary: string };
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
   * Where the processes are registered; pass one to be able to stop them even when this function
   * has not returned (a Jest timeout in beforeAll). @default a new registry
   */
  readonly registry?: ProcessRegistry;
  /** What `npm run synth` wrote. @default the repository's dist/ */
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

interface Container { name: string; args?: string[]; env?: { name: string; value?: string; valueFrom?: unknown }[] }

function containersOf(o: KubeObject): Container[] {
  return ((o as unknown as { spec: { template: { spec: { containers: Container[] } } } }).spec.template.spec.containers);
}

/** The args of the rendered container that satisfies `which`. */
export function renderedArgs(release: RenderedRelease, which: (c: Container, o: KubeObject) => boolean): string[] {
  for (const o of release.objects.filter((x) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(x.kind))) {
    const found = containersOf(o).find((c) => which(c, o));
    if (found) return found.args ?? [];
  }
  throw new Error(`release ${release.name} renders no such container`);
}

function releaseNamed(releases: readonly RenderedRelease[], chart: string): RenderedRelease {
  const found = releases.find((r) => r.chart.chart === chart);
  if (!found) throw new Error(`the helmfile installs no ${chart} chart`);
  return found;
}

async function waitFor(what: string, probe: () => Promise<boolean>, exited: Promise<unknown>, output: () => string, timeoutMs = 60_000): Promise<void> {
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

const httpOk = (url: string) => async () => (await fetch(url)).ok;

/** Runs `loki -verify-config` on a config file; returns exit status and output. */
export function lokiVerifyConfig(binary: string, configFile: string): { status: number | null; output: string } {
  const result = spawnSync(binary, [`-config.file=${configFile}`, '-config.expand-env=true', '-verify-config'], {
    env: { ...process.env, ...BACKENDS.loki.env, ...MINIO_ENV }, encoding: 'utf8', timeout: 30_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Starts every backend and the model service; see the file comment. */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const log = options.log ?? (() => undefined);
  const work = options.workDir;
  const dir = (name: string) => {
    const d = path.join(work, name);
    mkdirSync(d, { recursive: true });
    return d;
  };
  const registry = options.registry ?? new ProcessRegistry();
  const distDir = options.distDir ?? DIST;
  const manifestsFile = path.join(distDir, 'observability.k8s.yaml');
  try {
    if (!prometheusAvailable()) throw new Error(`${PROMETHEUS_BINARY} not found: install Debian's prometheus package (bash scripts/install-test-tools.sh) or set PROMETHEUS_BINARY`);
    const [releases, loki, tempo, promtail] = await Promise.all([
      renderHelmfile(path.join(distDir, 'helm', 'helmfile.yaml')),
      resolveBackendBinary('loki'),
      resolveBackendBinary('tempo'),
      resolveBackendBinary('promtail'),
    ]);
    const manifests = parseAllDocuments(readFileSync(manifestsFile, 'utf8')).map((d) => d.toJS() as KubeObject).filter(Boolean);
    const deployment = manifests.find((o) => o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/name'] === 'model-service');
    if (!deployment) throw new Error(`${manifestsFile} has no model-service Deployment`);
    const namespace = deployment.metadata.namespace!;
    const appName = deployment.metadata.labels!['app.kubernetes.io/name'];
    const changes: BackendChanges[] = [];
    const pool = await loopbackPorts(20);
    const port = async (): Promise<number> => {
      const next = pool.pop();
      if (next === undefined) throw new Error('the local stack needs more than 20 ports: raise the pool size');
      return next;
    };

    // --- Loki: the rendered config must pass Loki's own strict check as it is.
    const lokiRelease = releaseNamed(releases, 'loki-simple-scalable');
    const lokiRendered = renderedFile(lokiRelease, 'ConfigMap', 'config.yaml');
    const lokiRenderedFile = path.join(dir('loki'), 'rendered-config.yaml');
    writeFileSync(lokiRenderedFile, lokiRendered.text);
    const renderedCheck = lokiVerifyConfig(loki.path, lokiRenderedFile);
    if (renderedCheck.status !== 0) throw new Error(`Loki ${BACKENDS.loki.version} refuses the rendered config (${lokiRendered.source}):\n${renderedCheck.output}`);
    const lokiPorts = { httpPort: await port(), grpcPort: await port(), memberlistPort: await port() };
    const lokiConfig = lokiForLoopback(parse(lokiRendered.text), { ...lokiPorts, dataDir: dir('loki/data') });
    const lokiFile = path.join(work, 'loki', 'config.yaml');
    writeFileSync(lokiFile, stringify(lokiConfig.config));
    const lokiCheck = lokiVerifyConfig(loki.path, lokiFile);
    if (lokiCheck.status !== 0) throw new Error(`Loki refuses the loopback config ${lokiFile}:\n${lokiCheck.output}`);
    const lokiArgs = lokiArgsForLoopback(renderedArgs(lokiRelease, (c) => (c.args ?? []).includes('-target=write')), lokiFile);
    changes.push({ backend: `Loki ${BACKENDS.loki.version}`, source: lokiRendered.source, changes: [...lokiConfig.changes, ...lokiArgs.changes], documents: { rendered: parse(lokiRendered.text), rewritten: lokiConfig.config } });
    const lokiProcess = registry.start('loki', loki.path, lokiArgs.args, {
      env: { ...process.env, ...BACKENDS.loki.env, ...MINIO_ENV }, logFile: path.join(work, 'loki', 'loki.log'),
    });
    const lokiUrl = `http://127.0.0.1:${lokiPorts.httpPort}`;

    // --- Tempo
    const tempoRelease = releaseNamed(releases, 'tempo');
    const tempoRendered = renderedFile(tempoRelease, 'ConfigMap', 'tempo.yaml');
    const overridesFile = path.join(dir('tempo'), 'overrides.yaml');
    writeFileSync(overridesFile, renderedFile(tempoRelease, 'ConfigMap', 'overrides.yaml').text);
    const receiverPorts = {
      otlpHttp: await port(), otlpGrpc: await port(), jaegerGrpc: await port(), jaegerThriftBinary: await port(),
      jaegerThriftCompact: await port(), jaegerThriftHttp: await port(), opencensus: await port(),
    };
    const tempoPorts = { httpPort: await port(), grpcPort: await port() };
    const prometheusPort = await port();
    const prometheusUrl = `http://127.0.0.1:${prometheusPort}`;
    const tempoConfig = tempoForLoopback(parse(tempoRendered.text), {
      ...tempoPorts, receiverPorts, dataDir: dir('tempo/data'), overridesFile, prometheusUrl,
    });
    const tempoFile = path.join(work, 'tempo', 'tempo.yaml');
    writeFileSync(tempoFile, stringify(tempoConfig.config));
    const tempoArgs = tempoArgsForLoopback(renderedArgs(tempoRelease, (c) => c.name === 'tempo'), tempoFile);
    changes.push({ backend: `Tempo ${BACKENDS.tempo.version}`, source: tempoRendered.source, changes: [...tempoConfig.changes, ...tempoArgs.changes], documents: { rendered: parse(tempoRendered.text), rewritten: tempoConfig.config } });
    const tempoProcess = registry.start('tempo', tempo.path, tempoArgs.args, {
      env: { ...process.env, ...BACKENDS.tempo.env, ...MINIO_ENV }, logFile: path.join(work, 'tempo', 'tempo.log'),
    });
    const tempoUrl = `http://127.0.0.1:${tempoPorts.httpPort}`;

    // --- the model service, as the Deployment configures it, and its pod as discovery sees it
    const servicePort = await port();
    const container = containersOf(deployment)[0];
    const containerPort = (container as unknown as { ports: { containerPort: number }[] }).ports[0].containerPort;
    const pod = withContainerPort(deployment, containerPort, servicePort, SCRAPE_PORT_ANNOTATION);
    const podTargets = podDiscoveryTargets(pod, POD);
    const serviceEnv = modelServiceEnv(manifests, container, namespace, { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiverPorts.otlpHttp}` });
    changes.push({
      backend: 'model service',
      source: `Deployment ${deployment.metadata.name} (${path.relative(REPO_ROOT, manifestsFile)})`,
      changes: [
        { path: 'containers[0].ports[0].containerPort, prometheus.io/port', from: containerPort, to: servicePort, why: 'a free loopback port' },
        { path: 'env OTEL_EXPORTER_OTLP_ENDPOINT', from: serviceEnv.renderedEndpoint, to: serviceEnv.env.OTEL_EXPORTER_OTLP_ENDPOINT, why: 'the tempo Service becomes the Tempo process' },
      ],
    });
    const podLogRoot = dir('var/log/pods');
    const logFile = podLogPath(podLogRoot, namespace, POD, container.name);
    mkdirSync(path.dirname(logFile), { recursive: true });
    writeFileSync(logFile, '');

    // --- Promtail
    const promtailRelease = releaseNamed(releases, 'promtail');
    const promtailRendered = renderedFile(promtailRelease, 'Secret', 'promtail.yaml');
    const promtailPorts = { httpPort: await port(), grpcPort: await port() };
    const promtailConfig = promtailForLoopback(parse(promtailRendered.text), {
      ...promtailPorts, pushUrl: `${lokiUrl}/loki/api/v1/push`, dataDir: dir('promtail'), podLogRoot, podTargets,
    });
    const promtailFile = path.join(work, 'promtail', 'promtail.yaml');
    writeFileSync(promtailFile, stringify(promtailConfig.config));
    const promtailArgs = promtailArgsForLoopback(renderedArgs(promtailRelease, () => true), promtailFile);
    changes.push({ backend: `Promtail ${BACKENDS.promtail.version}`, source: promtailRendered.source, changes: [...promtailConfig.changes, ...promtailArgs.changes], documents: { rendered: parse(promtailRendered.text), rewritten: promtailConfig.config } });
    const promtailProcess = registry.start('promtail', promtail.path, promtailArgs.args, {
      env: { ...process.env, ...BACKENDS.promtail.env }, logFile: path.join(work, 'promtail', 'promtail.log'),
    });

    // --- Prometheus
    const prometheusRelease = releaseNamed(releases, 'prometheus');
    const prometheusRendered = renderedFile(prometheusRelease, 'ConfigMap', 'prometheus.yml');
    const configDir = dir('prometheus/config');
    const serverConfigMap = prometheusRelease.objects.find((o) => o.kind === 'ConfigMap' && (o as unknown as { data?: Record<string, string> }).data?.['prometheus.yml'] !== undefined)!;
    for (const [file, text] of Object.entries((serverConfigMap as unknown as { data: Record<string, string> }).data)) writeFileSync(path.join(configDir, file), text);
    const prometheusConfig = prometheusForLoopback(parse(prometheusRendered.text), { port: prometheusPort, configDir, podTargets });
    const prometheusFile = path.join(configDir, 'prometheus.yml');
    writeFileSync(prometheusFile, stringify(prometheusConfig.config));
    const prometheusArgs = prometheusArgsForLoopback(
      renderedArgs(prometheusRelease, (c) => (c.args ?? []).some((a) => a.startsWith('--config.file='))),
      { configFile: prometheusFile, dataDir: dir('prometheus/data'), port: prometheusPort },
    );
    changes.push({ backend: 'Prometheus (Debian)', source: prometheusRendered.source, changes: [...prometheusConfig.changes, ...prometheusArgs.changes], documents: { rendered: parse(prometheusRendered.text), rewritten: prometheusConfig.config } });
    const prometheusProcess = registry.start('prometheus', PROMETHEUS_BINARY, prometheusArgs.args, { logFile: path.join(work, 'prometheus', 'prometheus.log') });

    const service = await startModelService({ modelPath: await options.modelPath, port: servicePort, env: serviceEnv.env });
    registry.adopt(service.process, () => service.stop());
    writeCriLog(service.process.stdout, 'stdout', logFile);
    writeCriLog(service.process.stderr, 'stderr', logFile);

    log('waiting for Loki, Tempo, Promtail and Prometheus to be ready');
    await Promise.all([
      waitFor('Loki', httpOk(`${lokiUrl}/ready`), lokiProcess.exited, lokiProcess.output),
      waitFor('Tempo', httpOk(`${tempoUrl}/ready`), tempoProcess.exited, tempoProcess.output),
      waitFor('Promtail', httpOk(`http://127.0.0.1:${promtailPorts.httpPort}/ready`), promtailProcess.exited, promtailProcess.output),
      waitFor('Prometheus', httpOk(`${prometheusUrl}/-/ready`), prometheusProcess.exited, prometheusProcess.output),
    ]);
    return {
      endpoints: { service: service.url, prometheus: prometheusUrl, loki: lokiUrl, tempo: tempoUrl },
      namespace,
      appName,
      pod: POD,
      changes,
      lokiConfig: { rendered: lokiRenderedFile, binary: loki.path },
      registry,
      stop: () => registry.stopAll(),
    };
  } catch (error) {
    await registry.stopAll();
    throw error;
  }
}

/**
 * The environment the synthesized Deployment gives the container: literal values, ConfigMap
 * keys, and the downward-API pod name and namespace (expanded in `$(VAR)` references as the
 * kubelet does), with `overrides` applied.
 */
function modelServiceEnv(manifests: readonly KubeObject[], container: Container, namespace: string, overrides: Record<string, string>): { env: Record<string, string>; renderedEndpoint: string | undefined } {
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    const from = variable.valueFrom as { configMapKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } } | undefined;
    let value = variable.value;
    if (from?.configMapKeyRef) {
      const cm = manifests.find((o) => o.kind === 'ConfigMap' && o.metadata.name === from.configMapKeyRef!.name) as unknown as { data: Record<string, string> } | undefined;
      value = cm?.data[from.configMapKeyRef.key];
    } else if (from?.fieldRef?.fieldPath === 'metadata.name') value = POD.name;
    else if (from?.fieldRef?.fieldPath === 'metadata.namespace') value = namespace;
    if (value === undefined) continue;
    env[variable.name] = value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole);
  }
  const renderedEndpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  // The container's own file paths (config file, model) are the process' own here: the test
  // passes the model, port and host on the command line.
  for (const key of ['CONFIG_FILE', 'MODEL_PATH', 'PORT', 'HOST']) delete env[key];
  return { env: { ...env, ...overrides }, renderedEndpoint };
}

/** Appends each line of `stream` to `file` as the kubelet's CRI logger writes it. */
function writeCriLog(stream: NodeJS.ReadableStream, name: 'stdout' | 'stderr', file: string): void {
  let pending = '';
  stream.on('data', (chunk: Buffer | string) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    // Full lines ("F"); the kubelet splits lines over 16 KiB into "P" parts, which these are not.
    if (lines.length > 0) appendFileSync(file, lines.map((line) => `${new Date().toISOString()} ${name} F ${line}\n`).join(''));
  });
}
