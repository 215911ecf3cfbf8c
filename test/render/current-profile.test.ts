/**
 * The current profile as a cluster would receive it: every release of dist/current/ rendered by
 * the real helm from the real chart archives, checked like the reference profile (schema, addresses,
 * buckets, Secrets, images), plus what only this profile has: SeaweedFS's bucket hook, Alloy's
 * generated configuration and Loki 3's schema, structured metadata and retention.
 */
import { parse } from 'yaml';
import { profileDir } from '../../lib/profiles';
import { podTargetsKept, podTemplates, serviceBackendProblems } from '../../verify/addresses';
import { findObject, KubeObject } from '../../verify/helm';
import { imageProblems, imageReferences } from '../../verify/images';
import { objectReferenceProblems } from '../../verify/object-references';
import { EVERY_2S_JOB_NAME } from '../../lib/prometheus/scrape-configs';
import { kubernetes133SchemaProblems, kubernetesSchemaProblems, SERVED_BY_KUBERNETES_1_27, SERVED_BY_KUBERNETES_1_33 } from '../helpers/kubernetes-schema';
import { synthToFiles } from '../helpers/synth';
import { configFile, release, renderStack, RenderedStack, RENDER_TIMEOUT_MS, valuesOf } from './rendered-stack';
import { allReferences, bucketsUsed, problems, prometheusConfig, renamedStackWiring } from './stack-checks';

const CURRENT_DIST = profileDir('current');
const NS = 'technical-observability-for-ml';

function lokiConfig(stack: RenderedStack, releaseName = 'loki', configMap = 'loki'): Record<string, any> {
  return parse(configFile(findObject(release(stack, releaseName).objects, 'ConfigMap', configMap), 'config.yaml'));
}

/** The buckets SeaweedFS's post-install hook creates (`weed shell` s3.bucket.create lines of its script). */
function bucketsCreated(stack: RenderedStack, releaseName = 'seaweedfs'): string[] {
  const job = findObject(release(stack, releaseName).objects, 'Job', `${releaseName}-bucket-hook`);
  const script = JSON.stringify(job.spec);
  return [...new Set([...script.matchAll(/s3\.bucket\.create[^"]*?-name[ =]+([a-z0-9.-]+)/g)].map((m) => m[1]))].sort();
}

describe('the rendered current profile', () => {
  let stack: RenderedStack;
  beforeAll(async () => {
    stack = await renderStack(CURRENT_DIST);
  }, RENDER_TIMEOUT_MS);

  test('installs SeaweedFS, Loki, Alloy, Tempo, Prometheus and Grafana from the pinned charts', () => {
    expect(stack.releases.map((r) => `${r.name} ${r.chart.repository.name}/${r.chart.chart} ${r.chart.version}`)).toEqual([
      'seaweedfs seaweedfs/seaweedfs 4.44.0',
      'loki grafana-community/loki 18.11.0',
      'tempo grafana-community/tempo 2.2.4',
      'alloy grafana/alloy 1.11.1',
      'prometheus prometheus-community/prometheus 29.27.0',
      'grafana grafana-community/grafana 12.11.1',
    ]);
  });

  test('every object is valid Kubernetes 1.27 with no unknown field, of a kind 1.27 serves', () => {
    const rendered = stack.releases.flatMap((r) => r.objects.map((object) => ({ release: r.name, object })));
    expect(rendered.length).toBeGreaterThan(40);
    expect(rendered.flatMap(({ release: r, object }) => kubernetesSchemaProblems(object).map((p) => `${r}: ${p}`))).toEqual([]);
    const kinds = new Set(rendered.map(({ object }) => `${object.apiVersion} ${object.kind}`));
    expect([...kinds].filter((k) => !SERVED_BY_KUBERNETES_1_27.has(k))).toEqual([]);
  });

  test('every address resolves to a Service that exists, with that port', () => {
    const where = new Set(allReferences(stack).map((r) => r.where.split(' ').slice(0, 3).join(' ')));
    expect([...where]).toEqual(
      expect.arrayContaining([
        'values/grafana.yaml', 'values/loki.yaml', 'values/tempo.yaml', 'values/alloy.yaml',
        'loki ConfigMap loki', 'loki ConfigMap loki-gateway', 'alloy ConfigMap alloy', 'tempo ConfigMap tempo',
        'grafana ConfigMap grafana', 'observability.k8s.yaml ConfigMap model-service-config',
      ]),
    );
    expect(problems(stack)).toEqual([]);
  });

  test('every Service selects rendered pods, and its named target ports exist on them', () => {
    const pods = podTemplates(stack.all, stack.namespace);
    expect(stack.all.filter((o) => o.kind === 'Service').flatMap((s) => serviceBackendProblems(s, pods, stack.namespace))).toEqual([]);
  });

  test('Prometheus finds the Alertmanager pods on 9093 and the 2 s job keeps exactly the model service', () => {
    const config = prometheusConfig(stack);
    const targets = podTargetsKept(config.alerting.alertmanagers[0].relabel_configs, stack.all, stack.namespace);
    expect(targets.map((t) => `${t.pod.owner}:${t.port}`)).toEqual(['StatefulSet prometheus-alertmanager:9093']);
    const job = config.scrape_configs.find((j) => j.job_name === EVERY_2S_JOB_NAME)!;
    expect(podTargetsKept(job.relabel_configs!, stack.all, stack.namespace).map((t) => `${t.pod.owner}:${t.port}`)).toEqual([
      'Deployment model-service:3010',
    ]);
  });

  test('SeaweedFS\'s hook creates exactly the buckets the rendered Loki and Tempo configs use', () => {
    const used = [
      ...bucketsUsed(configFile(findObject(release(stack, 'loki').objects, 'ConfigMap', 'loki'), 'config.yaml')),
      ...bucketsUsed(configFile(findObject(release(stack, 'tempo').objects, 'ConfigMap', 'tempo'), 'tempo.yaml')),
    ];
    expect(used.length).toBeGreaterThanOrEqual(3);
    expect(bucketsCreated(stack)).toEqual([...new Set(used)].sort());
  });

  test('every Secret, ConfigMap, claim and service account a pod names exists, with the keys it reads', () => {
    expect(stack.installSecrets.map((s) => s.metadata.name).sort()).toEqual(['grafana-admin', 'seaweedfs-s3-credentials']);
    expect(objectReferenceProblems(stack.all, stack.namespace)).toEqual([]);
    const admin = valuesOf(stack, 'grafana').admin;
    const secrets = new Map(stack.installSecrets.map((s) => [s.metadata.name, Object.keys((s as unknown as { data: object }).data)]));
    expect(secrets.get(admin.existingSecret)).toEqual(expect.arrayContaining([admin.userKey, admin.passwordKey]));
  });

  test('no S3 key is in a rendered object: Loki, Tempo and SeaweedFS read them from the Secret by env var', () => {
    const s3Config = JSON.stringify(lokiConfig(stack).common.storage.s3);
    expect(s3Config).toContain('"access_key_id":"${S3_ACCESS_KEY_ID}"');
    expect(s3Config).toContain('"secret_access_key":"${S3_SECRET_ACCESS_KEY}"');
    const identities = configFile(findObject(release(stack, 'seaweedfs').objects, 'Secret', 'seaweedfs-s3-secret'), 'seaweedfs_s3_config');
    expect(identities).toContain('"accessKey":"${SEAWEEDFS_S3_ADMIN_ACCESS_KEY_ID}"');
  });

  test('every image comes from a live repository with a pinned tag', () => {
    const images = [...stack.releases.flatMap((r) => imageReferences(r.objects, r.name)), ...imageReferences(stack.manifests, 'observability.k8s.yaml')];
    expect(new Set(images.map((i) => i.where.split(' ')[0]))).toEqual(new Set([...stack.releases.map((r) => r.name), 'observability.k8s.yaml']));
    expect(imageProblems(images)).toEqual([]);
  });

  test('Loki 3: schema v13 on TSDB, structured metadata allowed, retention by the compactor, one monolithic replica', () => {
    const config = lokiConfig(stack);
    expect(config.schema_config.configs).toEqual([
      { from: '2024-04-01', store: 'tsdb', object_store: 's3', schema: 'v13', index: { prefix: 'index_', period: '24h' } },
    ]);
    expect(config.limits_config).toMatchObject({ allow_structured_metadata: true, retention_period: '168h' });
    expect(config.compactor).toMatchObject({ retention_enabled: true, delete_request_store: 's3' });
    expect(config.common.replication_factor).toBe(1);
    const workloads = release(stack, 'loki').objects.filter((o) => ['StatefulSet', 'Deployment'].includes(o.kind));
    expect(workloads.map((o) => `${o.kind} ${o.metadata.name} ${(o.spec as { replicas: number }).replicas}`).sort()).toEqual([
      'Deployment loki-gateway 1',
      'StatefulSet loki 1',
    ]);
  });

  test('Alloy runs as a DaemonSet reading the node\'s /var/log, with the generated config pushing to Loki\'s gateway', () => {
    const daemonSet = findObject(release(stack, 'alloy').objects, 'DaemonSet', 'alloy') as KubeObject & {
      spec: { template: { spec: { volumes: { name: string; hostPath?: { path: string } }[] } } };
    };
    expect(daemonSet.spec.template.spec.volumes).toContainEqual(expect.objectContaining({ hostPath: { path: '/var/log' } }));
    const config = configFile(findObject(release(stack, 'alloy').objects, 'ConfigMap', 'alloy'), 'config.alloy');
    expect(config).toContain(`url = "http://loki-gateway.${NS}.svc/loki/api/v1/push"`);
    expect(config).toContain('stage.structured_metadata');
    for (const label of ['namespace', 'pod', 'container', 'app']) expect(config).toContain(`target_label  = "${label}"`);
  });

  test('Alloy is each node\'s OTLP gateway: 4317/4318 on a node-local Service, the sending queue on a hostPath, public-preview, RBAC for pods, namespaces and ReplicaSets only', () => {
    const objects = release(stack, 'alloy').objects;
    const service = findObject(objects, 'Service', 'alloy') as KubeObject & { spec: { internalTrafficPolicy: string; ports: { name: string; port: number; targetPort: number }[] } };
    expect(service.spec.internalTrafficPolicy).toBe('Local');
    expect(service.spec.ports).toEqual(expect.arrayContaining([
      expect.objectContaining({ name: 'otlp-grpc', port: 4317, targetPort: 4317 }),
      expect.objectContaining({ name: 'otlp-http', port: 4318, targetPort: 4318 }),
    ]));
    const daemonSet = findObject(objects, 'DaemonSet', 'alloy') as KubeObject & {
      spec: { template: { spec: {
        volumes: { name: string; hostPath?: { path: string; type?: string } }[];
        containers: { name: string; args: string[]; ports: { containerPort: number }[]; volumeMounts: { name: string; mountPath: string }[] }[];
      } } };
    };
    const pod = daemonSet.spec.template.spec;
    const alloy = pod.containers.find((c) => c.name === 'alloy')!;
    expect(alloy.args).toContain('--stability.level=public-preview');
    expect(alloy.ports.map((p) => p.containerPort)).toEqual(expect.arrayContaining([4317, 4318]));
    expect(pod.volumes).toContainEqual({ name: 'alloy-state', hostPath: { path: '/var/lib/alloy', type: 'DirectoryOrCreate' } });
    expect(alloy.volumeMounts).toContainEqual({ name: 'alloy-state', mountPath: '/var/lib/alloy' });
    expect(alloy.args).toContain('--storage.path=/var/lib/alloy/data');
    const config = configFile(findObject(objects, 'ConfigMap', 'alloy'), 'config.alloy');
    expect(config).toContain('directory = "/var/lib/alloy/otlp-queue"');
    expect(config).toContain('storage    = otelcol.storage.file.queue.handler');
    expect(config).toContain('metadata = ["k8s.namespace.name", "k8s.pod.name", "k8s.deployment.name", "k8s.node.name"]');
    expect(config).not.toContain('otelcol.processor.tail_sampling');
    const role = findObject(objects, 'ClusterRole', 'alloy') as KubeObject & { rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] };
    expect(role.rules.flatMap((r) => r.resources.map((res) => `${r.apiGroups.join(',')}/${res} ${r.verbs.join(',')}`)).sort()).toEqual([
      '/namespaces get,list,watch', '/pods get,list,watch', 'apps/replicasets get,list,watch',
    ]);
  });

  test('Tempo 2.10: OTLP bound to 0.0.0.0, S3, retention, metrics-generator remote-writing into Prometheus\' receiver', () => {
    const config = parse(configFile(findObject(release(stack, 'tempo').objects, 'ConfigMap', 'tempo'), 'tempo.yaml'));
    expect(config.distributor.receivers.otlp.protocols).toEqual({ grpc: { endpoint: '0.0.0.0:4317' }, http: { endpoint: '0.0.0.0:4318' } });
    expect(config.storage.trace.backend).toBe('s3');
    expect(config.compactor.compaction.block_retention).toBe('168h');
    // Grafana's datasource streams results (streamingEnabled): Tempo must serve gRPC streams over HTTP.
    expect(config.stream_over_http_enabled).toBe(true);
    expect(valuesOf(stack, 'grafana').datasources['datasources.yaml'].datasources[2].jsonData.streamingEnabled).toEqual({ search: true, metrics: true });
    expect(config.overrides.defaults.metrics_generator.processors).toEqual(['service-graphs', 'span-metrics']);
    expect(config.metrics_generator.storage.remote_write).toEqual([{ url: `http://prometheus-server.${NS}.svc/api/v1/write` }]);
    const server = findObject(release(stack, 'prometheus').objects, 'Deployment', 'prometheus-server') as KubeObject & {
      spec: { template: { spec: { containers: { name: string; args: string[] }[] } } };
    };
    const args = server.spec.template.spec.containers.find((c) => c.name === 'prometheus-server')!.args;
    expect(args).toEqual(expect.arrayContaining(['--web.enable-remote-write-receiver', '--enable-feature=exemplar-storage']));
  });

  test('Tempo is 3 pods in one cluster: scalable single binary, memberlist through the headless Service the StatefulSet names, 3 copies of each span, one pod drained at a time', () => {
    const objects = release(stack, 'tempo').objects;
    const statefulSet = findObject(objects, 'StatefulSet', 'tempo') as KubeObject & {
      spec: { replicas: number; serviceName: string; selector: { matchLabels: Record<string, string> }; template: { spec: { containers: { name: string; args: string[] }[] } } };
    };
    expect(statefulSet.spec.replicas).toBe(3);
    const args = statefulSet.spec.template.spec.containers.find((c) => c.name === 'tempo')!.args;
    expect(args).toEqual(expect.arrayContaining(['-target=scalable-single-binary', `-memberlist.host-port=dns+tempo-headless.${NS}.svc:7946`]));
    const headless = stack.manifests.find((o) => o.kind === 'Service' && o.metadata.name === statefulSet.spec.serviceName) as KubeObject & {
      spec: { clusterIP: string; publishNotReadyAddresses: boolean; selector: Record<string, string>; ports: { port: number }[] };
    };
    expect(headless).toBeDefined();
    expect(headless.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true, selector: statefulSet.spec.selector.matchLabels, ports: [{ port: 7946 }] });
    const config = parse(configFile(findObject(objects, 'ConfigMap', 'tempo'), 'tempo.yaml'));
    expect(config.ingester.lifecycler.ring.replication_factor).toBe(3);
    expect(config.querier.frontend_worker.frontend_address).toBe('127.0.0.1:9095');
    const budget = stack.manifests.find((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === 'tempo') as KubeObject & { spec: { maxUnavailable: number; selector: { matchLabels: Record<string, string> } } };
    expect(budget.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: statefulSet.spec.selector.matchLabels } });
  });
});

describe('the current profile with the namespace and every release renamed', () => {
  test('still resolves every address, bucket and reference', async () => {
    const synth = synthToFiles({
      profile: 'current',
      namespace: 'obs-renamed',
      releaseNames: { seaweedfs: 's3store', loki: 'logstore', alloy: 'shipper', tempo: 'tracestore', prometheus: 'metricstore', grafana: 'dash' },
    });
    const renamed = await renderStack(synth.outdir);
    expect(renamed.namespace).toBe('obs-renamed');
    const wiring = renamedStackWiring(renamed, 'metricstore');
    expect(wiring.addressesIntoNamespace).toBeGreaterThan(10);
    expect(wiring).toEqual({ ...wiring, addressProblems: [], referenceProblems: [], serviceBackendProblems: [], alertmanagerPorts: [9093] });
    expect(bucketsCreated(renamed, 's3store')).toEqual(['logstore-chunks', 'logstore-ruler', 'tracestore-traces']);
  }, RENDER_TIMEOUT_MS);
});

describe('Loki\'s larger deployment modes render through the real chart', () => {
  test.each([
    [{ mode: 'SimpleScalable' } as const, ['Deployment loki-gateway 1', 'Deployment loki-read 3', 'StatefulSet loki-backend 3', 'StatefulSet loki-write 3']],
    [
      { mode: 'Distributed', replicas: { ingester: 3, querier: 2 } } as const,
      [
        'Deployment loki-distributor 2', 'Deployment loki-gateway 1', 'Deployment loki-querier 2', 'Deployment loki-query-frontend 2',
        'Deployment loki-query-scheduler 2', 'StatefulSet loki-compactor 1', 'StatefulSet loki-index-gateway 2',
        // The chart's default zone-aware replication spreads the 3 ingesters over one StatefulSet per zone;
        // the ruler (no Loki rules here) renders with the chart's 0 replicas.
        'StatefulSet loki-ingester-zone-a 1', 'StatefulSet loki-ingester-zone-b 1', 'StatefulSet loki-ingester-zone-c 1',
        'StatefulSet loki-ruler 0',
      ],
    ],
  ])('%o', async (deployment, workloads) => {
    const rendered = await renderStack(synthToFiles({ loki: { deployment } }).outdir);
    const loki = release(rendered, 'loki').objects.filter((o) => ['StatefulSet', 'Deployment'].includes(o.kind));
    expect(loki.map((o) => `${o.kind} ${o.metadata.name} ${(o.spec as { replicas: number }).replicas}`).sort()).toEqual(workloads);
    expect(lokiConfig(rendered).common.replication_factor).toBe(3);
    expect(problems(rendered)).toEqual([]);
    const pods = podTemplates(rendered.all, rendered.namespace);
    expect(rendered.all.filter((o) => o.kind === 'Service').flatMap((s) => serviceBackendProblems(s, pods, rendered.namespace))).toEqual([]);
    expect(objectReferenceProblems(rendered.all, rendered.namespace)).toEqual([]);
  }, RENDER_TIMEOUT_MS);
});

describe('the current profile rendered for Kubernetes 1.33', () => {
  let stack: RenderedStack;
  beforeAll(async () => {
    stack = await renderStack(CURRENT_DIST, { kubeVersion: '1.33.0' });
  }, RENDER_TIMEOUT_MS);

  test('every object, ours included, is of a kind 1.33 serves and matches its 1.33 schema (types, required fields, enums)', () => {
    const objects = [
      ...stack.releases.flatMap((r) => r.objects.map((object) => ({ where: r.name, object }))),
      ...stack.manifests.map((object) => ({ where: 'observability.k8s.yaml', object })),
    ];
    expect(objects.length).toBeGreaterThan(50);
    expect(objects.flatMap(({ where, object }) => kubernetes133SchemaProblems(object).map((p) => `${where}: ${p}`))).toEqual([]);
  });

  test('the addresses and references still resolve', () => {
    expect(problems(stack)).toEqual([]);
    expect(objectReferenceProblems(stack.all, stack.namespace)).toEqual([]);
  });

  test('the 1.33 check fails on a wrong type and on an API 1.33 no longer serves', () => {
    const deployment = JSON.parse(JSON.stringify(findObject(release(stack, 'grafana').objects, 'Deployment', 'grafana')));
    deployment.spec.replicas = 'one';
    expect(kubernetes133SchemaProblems(deployment)).toEqual(['apps/v1 Deployment grafana: data/spec/replicas must be integer']);
    const flowSchema = { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta3', kind: 'FlowSchema', metadata: { name: 'f' } };
    expect(kubernetes133SchemaProblems(flowSchema)).toEqual([
      'flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema f: unknown kind: Kubernetes 1.33 serves no FlowSchema in flowcontrol.apiserver.k8s.io/v1beta3',
    ]);
    expect(SERVED_BY_KUBERNETES_1_33.has('resource.k8s.io/v1beta1 ResourceClaim')).toBe(true);
  });
});
