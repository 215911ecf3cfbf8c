/**
 * The reference profile's stack on this machine, from what `npm run synth` wrote: every backend is the
 * real program at the version its pinned chart deploys (Loki 2.6.1, Tempo 2.0.0, Promtail 2.7.3;
 * Debian's Prometheus), started with the configuration `helm template` renders from
 * dist/reference/helm/helmfile.yaml, changed only as loopback-configs.ts lists; the model service is
 * the real service started as a process with the environment the synthesized Deployment gives it.
 *
 * What stands in for Kubernetes: the pod is the model service process, described to Prometheus and
 * Promtail by the labels Kubernetes discovery would give a pod of the synthesized Deployment
 * (pod-discovery.ts); the kubelet's environment and container log are local-stack.ts's.
 */
import { profileDir } from '../../../lib/profiles';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { BACKENDS, resolveBackendBinary } from '../../../verify/backend-binaries';
import { KubeObject, renderHelmfile } from '../../../verify/helm';
import { startModelService } from '../../../model-service/test/support/service';
import { PROMETHEUS_BINARY, prometheusAvailable } from '../../../model-service/test/support/prometheus';
import {
  lokiArgsForLoopback, lokiForLoopback, prometheusArgsForLoopback, prometheusForLoopback,
  promtailArgsForLoopback, promtailForLoopback, tempoArgsForLoopback, tempoForLoopback,
} from './loopback-configs';
import {
  BackendChanges, LocalStack, LocalStackOptions, POD, httpOk, lokiVerifyConfig, modelServicePod, releaseNamed, renderedArgs, renderedFile,
  waitFor, writeCriLog,
} from './local-stack';
import { ProcessRegistry } from './processes';
import { loopbackPorts } from './ports';

export const REFERENCE_DIST = profileDir('reference');

/** Dummy values for the MinIO credentials the rendered configs expand (${MINIO_ROOT_USER}). */
const MINIO_ENV = { MINIO_ROOT_USER: 'e2e-unused', MINIO_ROOT_PASSWORD: 'e2e-unused' };
const LOKI_ENV = { ...process.env, ...BACKENDS.loki.env, ...MINIO_ENV };

/** Starts every backend and the model service; see the file comment. */
export async function startReferenceStack(options: LocalStackOptions): Promise<LocalStack> {
  const log = options.log ?? (() => undefined);
  const work = options.workDir;
  const dir = (name: string) => {
    const d = path.join(work, name);
    mkdirSync(d, { recursive: true });
    return d;
  };
  const registry = options.registry ?? new ProcessRegistry();
  const distDir = options.distDir ?? REFERENCE_DIST;
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
    const renderedCheck = lokiVerifyConfig(loki.path, lokiRenderedFile, LOKI_ENV);
    if (renderedCheck.status !== 0) throw new Error(`Loki ${BACKENDS.loki.version} refuses the rendered config (${lokiRendered.source}):\n${renderedCheck.output}`);
    const lokiPorts = { httpPort: await port(), grpcPort: await port(), memberlistPort: await port() };
    const lokiConfig = lokiForLoopback(parse(lokiRendered.text), { ...lokiPorts, dataDir: dir('loki/data') });
    const lokiFile = path.join(work, 'loki', 'config.yaml');
    writeFileSync(lokiFile, stringify(lokiConfig.config));
    const lokiCheck = lokiVerifyConfig(loki.path, lokiFile, LOKI_ENV);
    if (lokiCheck.status !== 0) throw new Error(`Loki refuses the loopback config ${lokiFile}:\n${lokiCheck.output}`);
    const lokiArgs = lokiArgsForLoopback(renderedArgs(lokiRelease, (c) => (c.args ?? []).includes('-target=write')), lokiFile);
    changes.push({ backend: `Loki ${BACKENDS.loki.version}`, source: lokiRendered.source, changes: [...lokiConfig.changes, ...lokiArgs.changes], documents: { rendered: parse(lokiRendered.text), rewritten: lokiConfig.config } });
    const lokiProcess = registry.start('loki', loki.path, lokiArgs.args, {
      env: LOKI_ENV, logFile: path.join(work, 'loki', 'loki.log'),
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
    const podLogRoot = dir('var/log/pods');
    const servicePod = modelServicePod(deployment, manifests, manifestsFile, {
      port: servicePort, otlpEndpoint: `http://127.0.0.1:${receiverPorts.otlpHttp}`, otlpWhy: 'the tempo Service becomes the Tempo process', podLogRoot,
    });
    const { podTargets, logFile } = servicePod;
    changes.push(servicePod.changes);

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

    const service = await startModelService({ modelPath: await options.modelPath, port: servicePort, env: servicePod.env });
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
      endpoints: { service: service.url, prometheus: prometheusUrl, loki: lokiUrl, tempo: tempoUrl, otlp: `http://127.0.0.1:${receiverPorts.otlpHttp}` },
      namespace,
      appName,
      pod: POD,
      changes,
      lokiConfig: { rendered: lokiRenderedFile, binary: loki.path, env: LOKI_ENV },
      registry,
      stop: () => registry.stopAll(),
    };
  } catch (error) {
    // A registry passed in may hold another stack's processes: its owner stops it.
    if (!options.registry) await registry.stopAll();
    throw error;
  }
}
