/**
 * The current profile's stack on this machine, from what `npm run synth` wrote into dist/current/:
 * every backend is the real program at the version its pinned chart deploys (SeaweedFS 4.44,
 * Loki 3.7.6, Tempo 2.10.8, Prometheus 3.14.0; Alloy 1.19.0-rc.3 standing in for 1.18.1, see
 * verify/backend-binaries.ts), started with the configuration `helm template` renders, changed
 * only as current-loopback-configs.ts and loopback-configs.ts list. The model service is the real
 * service with the environment its Deployment gives it.
 *
 * What stands in for Kubernetes:
 *  - Secrets: the generated create-secrets.sh runs with the real kubectl building its Secrets
 *    client-side (test/helpers/create-secrets.ts); each container's `secretKeyRef`s read those,
 *    so the S3 keys SeaweedFS serves and the keys Loki and Tempo sign with meet only if the
 *    rendered references agree;
 *  - the bucket hook: the chart's post-install Job script runs as rendered against the local weed;
 *  - pods: every process is a pod whose IP is 127.0.0.1 (the downward API's `status.podIP`), and
 *    the model service's pod is described to Prometheus and Alloy by the labels discovery would
 *    give (pod-discovery.ts); its log is the kubelet's CRI file (local-stack.ts);
 *  - Services: each in-cluster address becomes the loopback address of the process behind it;
 *  - the Kubernetes attributes processor of Alloy's OTLP gateway: a transform processor that sets on
 *    the service's spans the k8s.* attributes the API would give for its pod (k8sAttributesStandIn).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { TEMPO_EXPORTER_INPUT } from '../../../lib/alloy/config';
import { profileDir } from '../../../lib/profiles';
import { startModelService } from '../../../model-service/test/support/service';
import { CURRENT_BACKENDS, resolveCurrentBackend } from '../../../verify/backend-binaries';
import { KubeObject, RenderedRelease, renderHelmfile } from '../../../verify/helm';
import { runCreateSecrets } from '../../helpers/create-secrets';
import { rewriteArgs } from './config-rewrite';
import {
  alloyArgsForLoopback, alloyForLoopback, bucketHookForLoopback, k8sAttributesStandIn, seaweedArgsForLoopback,
} from './current-loopback-configs';
import { LokiOnLoopback, lokiOnLoopback } from './current-loki';
import {
  BackendChanges, LocalStack, LocalStackOptions, POD, PodContext, ReadyProcess, SecretValues, containerEnv, containersOf, httpOk,
  modelServicePod, releaseNamed, renderedContainer, renderedFile, waitFor, writeCriLog,
} from './local-stack';
import { LOOPBACK, prometheusArgsForLoopback, prometheusForLoopback } from './loopback-configs';
import { tempoOnLoopback } from './current-tempo';
import type { PodIdentity } from './pod-discovery';
import { ProcessRegistry } from './processes';
import { loopbackPortPairs, loopbackPorts } from './ports';

export const CURRENT_DIST = profileDir('current');

export interface CurrentLocalStack extends LocalStack {
  /** SeaweedFS' filer (lists a bucket's objects under /buckets/<name>/) and the buckets the hook made. */
  readonly objectStore: { readonly filerUrl: string; readonly buckets: readonly string[] };
  /** The rendered config.alloy and how the chart runs Alloy, for the validation tests. */
  readonly alloy: {
    readonly binary: string; readonly renderedConfig: string; readonly stabilityLevel: string; readonly version: string;
    /** What stands in for the k8sattributes processor (printed in the report), the attributes it sets, and the queue folder. */
    readonly k8sAttributesStandIn: string; readonly podAttributes: Readonly<Record<string, string>>; readonly queueDirectory: string;
  };
  /** Where the loki-gateway routes Loki's API paths (nginx.conf), and the Loki Services that were expected. */
  readonly gateway: { readonly routes: Record<string, string | undefined>; readonly expected: Record<string, string> };
  /** Loki's deployment mode in the render: one process, or the write, read and backend processes. */
  readonly lokiMode: LokiOnLoopback['mode'];
  /**
   * Each backend's process (it keeps its spawn arguments: `registry.restart`) and the URL that
   * answers 200 once it is ready; Loki's is its first process (the only one in Monolithic mode).
   */
  readonly backends: Readonly<Record<CurrentBackend, ReadyProcess>>;
  /** Each Tempo pod's HTTP API (the `tempo` Service's query URL is endpoints.tempo). */
  readonly tempoPods: readonly string[];
}

export type CurrentBackend = 'seaweedfs' | 'loki' | 'tempo' | 'alloy' | 'prometheus';

/** A backend's pod: the process on loopback. */
function backendPod(name: string): PodIdentity {
  return { name, uid: `${name}-uid`, ip: LOOPBACK, nodeName: POD.nodeName, replicaSetName: name };
}

/** Secret values by `<secret>/<key>`, from what the generated create-secrets.sh would create. */
export function generatedSecrets(script: string): SecretValues {
  const run = runCreateSecrets(script);
  if (run.status !== 0) throw new Error(`create-secrets.sh failed (${run.status}):\n${run.stderr}`);
  const values = new Map<string, string>();
  for (const secret of run.applied.filter((o) => o.kind === 'Secret') as { metadata: { name: string }; data?: Record<string, string> }[]) {
    for (const [key, value] of Object.entries(secret.data ?? {})) values.set(`${secret.metadata.name}/${key}`, Buffer.from(value, 'base64').toString('utf8'));
  }
  return values;
}

/**
 * Runs a container's `/bin/sh -ec` script to its end; rejects with its output when it fails. The
 * image's /bin/sh (BusyBox ash) knows `set -o pipefail`, which Debian's dash does not: bash runs it.
 */
export const SCRIPT_SHELL = 'bash';

function runScript(script: string, env: NodeJS.ProcessEnv, logFile: string, timeoutMs: number, abort: Promise<unknown>): Promise<void> {
  return new Promise((resolve, reject) => {
    // Its own process group: a `weed shell` it started dies with it (a weed shell whose master is
    // gone waits for ever, and its open output would keep 'close' from ever coming).
    const child = spawn(SCRIPT_SHELL, ['-ec', script], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    let failure: string | undefined;
    const stop = (why: string) => {
      failure ??= why;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => stop(`no end after ${timeoutMs / 1000} s`), timeoutMs);
    void abort.then(() => stop('the weed server it talks to exited'));
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      writeFileSync(logFile, output);
      if (code === 0 && failure === undefined) resolve();
      else reject(new Error(`the bucket hook failed (${failure ?? `exit ${code}`}):\n${output.slice(-3000)}`));
    });
  });
}

function jobContainer(release: RenderedRelease): { script: string; container: ReturnType<typeof containersOf>[number] } {
  const container = renderedContainer(release, (_, o) => o.kind === 'Job');
  const script = container.command?.[2] ?? container.args?.[0];
  if (!script) throw new Error(`the ${release.name} Job runs no script`);
  return { script, container };
}

/** Starts SeaweedFS, Loki, Tempo, Alloy, Prometheus and the model service; see the file comment. */
export async function startCurrentStack(options: LocalStackOptions): Promise<CurrentLocalStack> {
  const log = options.log ?? (() => undefined);
  const work = options.workDir;
  const dir = (name: string) => {
    const d = path.join(work, name);
    mkdirSync(d, { recursive: true });
    return d;
  };
  const registry = options.registry ?? new ProcessRegistry();
  const distDir = options.distDir ?? CURRENT_DIST;
  const manifestsFile = path.join(distDir, 'observability.k8s.yaml');
  try {
    const [releases, weed, loki, tempo, alloy, prometheus] = await Promise.all([
      renderHelmfile(path.join(distDir, 'helm', 'helmfile.yaml')),
      resolveCurrentBackend('weed'),
      resolveCurrentBackend('loki'),
      resolveCurrentBackend('tempo'),
      resolveCurrentBackend('alloy'),
      resolveCurrentBackend('prometheus'),
    ]);
    const secrets = generatedSecrets(readFileSync(path.join(distDir, 'helm', 'create-secrets.sh'), 'utf8'));
    const manifests = parseAllDocuments(readFileSync(manifestsFile, 'utf8')).map((d) => d.toJS() as KubeObject).filter(Boolean);
    const deployment = manifests.find((o) => o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/name'] === 'model-service');
    if (!deployment) throw new Error(`${manifestsFile} has no model-service Deployment`);
    const namespace = deployment.metadata.namespace!;
    const appName = deployment.metadata.labels!['app.kubernetes.io/name'];
    const podContext = (name: string): PodContext => ({ namespace, pod: backendPod(name), secrets, manifests });
    const changes: BackendChanges[] = [];
    const version = (program: keyof typeof CURRENT_BACKENDS) => CURRENT_BACKENDS[program].version;

    const seaweedPorts = await loopbackPortPairs(4, 10_000);
    const pool = await loopbackPorts(60, [...seaweedPorts, ...seaweedPorts.map((p) => p + 10_000)]);
    const port = (): number => {
      const next = pool.pop();
      if (next === undefined) throw new Error('the local stack needs more than 60 ports: raise the pool size');
      return next;
    };

    // --- SeaweedFS: the all-in-one server, then the chart's bucket hook against it.
    const seaweedRelease = releaseNamed(releases, 'seaweedfs');
    const seaweedContainer = renderedContainer(seaweedRelease, (c, o) => o.kind === 'Deployment' && c.name === 'seaweedfs');
    const seaweedEnv = containerEnv(seaweedContainer, podContext('seaweedfs-all-in-one'));
    const s3Config = renderedFile(seaweedRelease, 'Secret', 'seaweedfs_s3_config');
    const s3ConfigFile = path.join(dir('seaweedfs'), 'seaweedfs_s3_config');
    writeFileSync(s3ConfigFile, s3Config.text);
    const [masterPort, volumePort, filerPort, s3Port] = seaweedPorts;
    const seaweedArgs = seaweedArgsForLoopback(seaweedContainer.command?.[2] ?? '', seaweedEnv, {
      ports: { master: masterPort, volume: volumePort, filer: filerPort, s3: s3Port, metrics: port(), iceberg: port(), lance: port() }, dataDir: dir('seaweedfs/data'), s3ConfigFile,
    });
    changes.push({ backend: `SeaweedFS ${version('weed')}`, source: `Deployment seaweedfs-all-in-one of release ${seaweedRelease.name} (command)`, changes: seaweedArgs.changes });
    const seaweedProcess = registry.start('seaweedfs', weed.path, seaweedArgs.args, {
      env: { ...process.env, ...seaweedEnv }, logFile: path.join(work, 'seaweedfs', 'weed.log'),
    });
    const filerUrl = `http://${LOOPBACK}:${filerPort}`;
    const s3Endpoint = `${LOOPBACK}:${s3Port}`;
    const hook = jobContainer(seaweedRelease);
    const hookScript = bucketHookForLoopback(hook.script, weed.path);
    const hookEnv = containerEnv(hook.container, podContext('seaweedfs-bucket-hook'));
    const hookAddresses = rewriteArgs([`--WEED_CLUSTER_SW_MASTER=${hookEnv.WEED_CLUSTER_SW_MASTER}`, `--WEED_CLUSTER_SW_FILER=${hookEnv.WEED_CLUSTER_SW_FILER}`], {
      WEED_CLUSTER_SW_MASTER: { value: `${LOOPBACK}:${masterPort}`, why: 'the seaweedfs-all-in-one Service becomes the weed process' },
      WEED_CLUSTER_SW_FILER: { value: `${LOOPBACK}:${filerPort}`, why: 'the seaweedfs-all-in-one Service becomes the weed process' },
    });
    const shell = { path: 'command[0]', from: hook.container.command?.[0], to: SCRIPT_SHELL, why: 'the image\'s BusyBox sh knows `set -o pipefail`, this machine\'s sh (dash) does not' };
    changes.push({ backend: 'SeaweedFS bucket hook', source: `Job of release ${seaweedRelease.name} (script)`, changes: [shell, ...hookScript.changes, ...hookAddresses.changes.map((c) => ({ ...c, path: `env ${c.path.replace(/^--/, '')}` }))] });
    const buckets = [...hook.script.matchAll(/s3\.bucket\.create --name ([a-z0-9.-]+)/g)].map((m) => m[1]);
    const bucketsMade = waitFor('SeaweedFS', httpOk(`${filerUrl}/`), seaweedProcess.exited, seaweedProcess.output)
      .then(() => runScript(hookScript.text, {
        ...process.env, ...hookEnv, WEED_CLUSTER_SW_MASTER: `${LOOPBACK}:${masterPort}`, WEED_CLUSTER_SW_FILER: `${LOOPBACK}:${filerPort}`,
      }, path.join(work, 'seaweedfs', 'bucket-hook.log'), 120_000, seaweedProcess.exited));
    // Awaited below; until then a failure of another step must not leave it rejecting unobserved.
    bucketsMade.catch(() => undefined);

    // --- Loki 3, in the mode the render has (current-loki.ts)
    const lokiRelease = releaseNamed(releases, 'loki');
    const lokiSetup = lokiOnLoopback({
      release: lokiRelease, binary: loki.path, version: version('loki'), namespace, podContext, dir, port, s3Endpoint,
    });
    changes.push(...lokiSetup.changes);
    const lokiUrl = lokiSetup.queryUrl;

    // --- Tempo 2.10, as many processes as the StatefulSet has pods (current-tempo.ts)
    const prometheusPort = port();
    const prometheusUrl = `http://${LOOPBACK}:${prometheusPort}`;
    const tempoSetup = tempoOnLoopback({
      release: releaseNamed(releases, 'tempo'), binary: tempo.path, version: version('tempo'), podContext, dir, port, s3Endpoint, prometheusUrl,
    });
    changes.push(...tempoSetup.changes);
    const tempoUrl = tempoSetup.queryUrl;

    // Loki and Tempo start once the hook has made their buckets, as helmfile's `needs` orders them.
    await bucketsMade;
    const lokiReady = lokiSetup.start(registry);
    // Awaited below with the others; until then a failure of another step must not leave it rejecting unobserved.
    lokiReady.catch(() => undefined);
    const tempoReady = tempoSetup.start(registry);
    tempoReady.catch(() => undefined);

    // --- the model service, as the Deployment configures it, and its pod as discovery sees it
    const servicePort = port();
    const alloyOtlp = { grpc: port(), http: port() };
    const podLogRoot = dir('var/log/pods');
    const servicePod = modelServicePod(deployment, manifests, manifestsFile, {
      port: servicePort, otlpEndpoint: `http://${LOOPBACK}:${alloyOtlp.http}`, otlpWhy: 'the alloy Service (node-local) becomes the Alloy process', podLogRoot,
    });
    const { podTargets, logFile } = servicePod;
    changes.push(servicePod.changes);

    // --- Alloy
    const alloyRelease = releaseNamed(releases, 'alloy');
    const alloyContainer = renderedContainer(alloyRelease, (c, o) => o.kind === 'DaemonSet' && c.name === 'alloy');
    const alloyEnv = containerEnv(alloyContainer, { ...podContext('alloy-e2e'), pod: { ...backendPod('alloy-e2e'), nodeName: POD.nodeName } });
    const alloyRendered = renderedFile(alloyRelease, 'ConfigMap', 'config.alloy');
    const renderedAlloyFile = path.join(dir('alloy'), 'rendered-config.alloy');
    writeFileSync(renderedAlloyFile, alloyRendered.text);
    const renderedPushUrl = /loki\.write "[^"]+" \{[\s\S]*?url\s*=\s*"([^"]+)"/.exec(alloyRendered.text)?.[1];
    if (!renderedPushUrl) throw new Error(`${alloyRendered.source} has no loki.write endpoint url`);
    const renderedTempoAddress = /otelcol\.exporter\.otlp "tempo" \{[\s\S]*?endpoint\s*=\s*"([^"]+)"/.exec(alloyRendered.text)?.[1];
    const renderedQueueDirectory = /otelcol\.storage\.file "queue" \{\s*directory\s*=\s*"([^"]+)"/.exec(alloyRendered.text)?.[1];
    if (!renderedTempoAddress || !renderedQueueDirectory) throw new Error(`${alloyRendered.source} has no OTLP gateway (exporter to Tempo, file storage)`);
    // What the Kubernetes API would tell the k8sattributes processor about the service's pod.
    const podAttributes = {
      'k8s.namespace.name': namespace,
      'k8s.pod.name': POD.name,
      'k8s.deployment.name': deployment.metadata.name,
      'k8s.node.name': POD.nodeName,
    };
    const gateway = {
      otlpGrpcPort: alloyOtlp.grpc, otlpHttpPort: alloyOtlp.http, tempoOtlpGrpcAddress: tempoSetup.otlpGrpcAddress, renderedTempoAddress,
      queueDirectory: dir('alloy/otlp-queue'), renderedQueueDirectory, podAttributes, serviceName: servicePod.env.OTEL_SERVICE_NAME ?? appName,
    };
    const alloyConfig = alloyForLoopback(alloyRendered.text, { podTargets, podLogRoot, pushUrl: lokiSetup.pushUrl, renderedPushUrl }, gateway);
    const alloyFile = path.join(work, 'alloy', 'config.alloy');
    writeFileSync(alloyFile, alloyConfig.text);
    const alloyPort = port();
    const renderedAlloyArgs = alloyContainer.args ?? [];
    const renderedConfigPath = renderedAlloyArgs[renderedAlloyArgs.indexOf('run') + 1];
    const alloyArgs = alloyArgsForLoopback(renderedAlloyArgs, { configFile: alloyFile, renderedConfigFile: renderedConfigPath, storageDir: dir('alloy/data'), httpPort: alloyPort });
    // ../shared's build stands in for the chart's release; a downloaded one is the release itself.
    const alloyVersion = alloy.source === 'download' ? CURRENT_BACKENDS.alloy.standsFor : `${CURRENT_BACKENDS.alloy.version} (for ${CURRENT_BACKENDS.alloy.standsFor})`;
    changes.push({ backend: `Alloy ${alloyVersion}`, source: alloyRendered.source, changes: [...alloyConfig.changes, ...alloyArgs.changes] });
    const stabilityLevel = /^--stability\.level=(.+)$/.exec(renderedAlloyArgs.find((a) => a.startsWith('--stability.level=')) ?? '')?.[1] ?? 'generally-available';

    // --- Prometheus 3
    const prometheusRelease = releaseNamed(releases, 'prometheus');
    const prometheusRendered = renderedFile(prometheusRelease, 'ConfigMap', 'prometheus.yml');
    const configDir = dir('prometheus/config');
    const serverConfigMap = prometheusRelease.objects.find((o) => o.kind === 'ConfigMap' && (o as unknown as { data?: Record<string, string> }).data?.['prometheus.yml'] !== undefined)!;
    for (const [file, text] of Object.entries((serverConfigMap as unknown as { data: Record<string, string> }).data)) writeFileSync(path.join(configDir, file), text);
    const prometheusConfig = prometheusForLoopback(parse(prometheusRendered.text), { port: prometheusPort, configDir, podTargets });
    const prometheusFile = path.join(configDir, 'prometheus.yml');
    writeFileSync(prometheusFile, stringify(prometheusConfig.config));
    const prometheusArgs = prometheusArgsForLoopback(
      renderedContainer(prometheusRelease, (c) => (c.args ?? []).some((a) => a.startsWith('--config.file='))).args ?? [],
      { configFile: prometheusFile, dataDir: dir('prometheus/data'), port: prometheusPort },
    );
    changes.push({ backend: `Prometheus ${version('prometheus')}`, source: prometheusRendered.source, changes: [...prometheusConfig.changes, ...prometheusArgs.changes], documents: { rendered: parse(prometheusRendered.text), rewritten: prometheusConfig.config } });
    const prometheusProcess = registry.start('prometheus', prometheus.path, prometheusArgs.args, { logFile: path.join(work, 'prometheus', 'prometheus.log') });

    const service = await startModelService({ modelPath: await options.modelPath, port: servicePort, env: servicePod.env });
    registry.adopt(service.process, () => service.stop());
    writeCriLog(service.process.stdout, 'stdout', logFile);
    writeCriLog(service.process.stderr, 'stderr', logFile);

    // Alloy last, once Tempo is ready (Prometheus and the service meanwhile gather the history the
    // rules and dashboards need): in a cluster Alloy's exporter retries until the tempo Service
    // has endpoints, with gRPC's reconnect backoff; starting it after keeps that out of the checks'
    // timing. Until then the service keeps its spans in its export buffer, and its log file waits.
    await tempoReady;
    const alloyProcess = registry.start('alloy', alloy.path, alloyArgs.args, { env: { ...process.env, ...alloyEnv }, logFile: path.join(work, 'alloy', 'alloy.log') });

    log('waiting for Loki, Tempo, Alloy and Prometheus to be ready');
    await Promise.all([
      lokiReady,
      tempoReady,
      waitFor('Alloy', httpOk(`http://${LOOPBACK}:${alloyPort}/-/ready`), alloyProcess.exited, alloyProcess.output),
      waitFor('Prometheus', httpOk(`${prometheusUrl}/-/ready`), prometheusProcess.exited, prometheusProcess.output),
    ]);
    return {
      endpoints: { service: service.url, prometheus: prometheusUrl, loki: lokiUrl, tempo: tempoUrl, otlp: `http://${LOOPBACK}:${alloyOtlp.http}` },
      namespace,
      appName,
      pod: POD,
      changes,
      lokiConfig: { rendered: lokiSetup.renderedConfigFile, binary: loki.path, env: lokiSetup.env },
      objectStore: { filerUrl, buckets },
      alloy: {
        binary: alloy.path, renderedConfig: renderedAlloyFile, stabilityLevel, version: alloyVersion,
        k8sAttributesStandIn: k8sAttributesStandIn(gateway, TEMPO_EXPORTER_INPUT), podAttributes, queueDirectory: gateway.queueDirectory,
      },
      gateway: lokiSetup.gateway,
      lokiMode: lokiSetup.mode,
      backends: {
        seaweedfs: { process: seaweedProcess, readyUrl: `${filerUrl}/` },
        loki: (await lokiReady)[0],
        // The first pod: with several, the fault tests kill one while the others keep every span.
        tempo: (await tempoReady)[0],
        alloy: { process: alloyProcess, readyUrl: `http://${LOOPBACK}:${alloyPort}/-/ready` },
        prometheus: { process: prometheusProcess, readyUrl: `${prometheusUrl}/-/ready` },
      },
      tempoPods: tempoSetup.podUrls,
      registry,
      stop: () => registry.stopAll(),
    };
  } catch (error) {
    // A registry passed in may hold another stack's processes: its owner stops it.
    if (!options.registry) await registry.stopAll();
    throw error;
  }
}
