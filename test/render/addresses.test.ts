import { podTargetsKept, podTemplates, serviceBackendProblems } from '../../verify/addresses';
import { findObject } from '../../verify/helm';
import { objectReferenceProblems } from '../../verify/object-references';
import { EVERY_2S_JOB_NAME } from '../../lib/prometheus/scrape-configs';
import { synthToFiles } from '../helpers/synth';
import { configFile, release, renderStack, RenderedStack, RENDER_TIMEOUT_MS, REPO_DIST, valuesOf } from './rendered-stack';
import { allReferences, bucketsUsed, problems, prometheusConfig, renamedStackWiring } from './stack-checks';

// Every in-cluster address, bucket and Secret the stack names is resolved against what the real
// charts render (plus our manifests and the Secrets create-secrets.sh makes): the charts' naming
// rules are checked here, not reproduced. (The current profile's: current-profile.test.ts.)

describe('the rendered reference stack: every address resolves to a Service that exists, with that port', () => {
  let stack: RenderedStack;
  beforeAll(async () => {
    stack = await renderStack(REPO_DIST);
  }, RENDER_TIMEOUT_MS);

  test('every address in our values, the rendered config files and our manifests', () => {
    const where = new Set(allReferences(stack).map((r) => r.where.split(' ').slice(0, 3).join(' ')));
    // Not vacuous: the configurations that carry the wiring are all read.
    expect([...where]).toEqual(
      expect.arrayContaining([
        'values/grafana.yaml', 'values/promtail.yaml', 'values/loki.yaml', 'values/tempo.yaml',
        'loki ConfigMap loki', 'loki ConfigMap loki-gateway', 'promtail Secret promtail', 'tempo ConfigMap tempo',
        'tempo ConfigMap tempo-query', 'prometheus ConfigMap prometheus-server', 'grafana ConfigMap grafana',
        'minio Job minio-provisioning', 'observability.k8s.yaml ConfigMap model-service-config',
      ]),
    );
    expect(problems(stack)).toEqual([]);
  });

  test('every Service selects rendered pods, and its named target ports exist on them (ours included)', () => {
    const pods = podTemplates(stack.all, stack.namespace);
    const services = stack.all.filter((o) => o.kind === 'Service');
    expect(services.map((s) => s.metadata.name)).toContain('minio-console-nodeport');
    expect(services.flatMap((s) => serviceBackendProblems(s, pods, stack.namespace))).toEqual([]);
  });

  test('Prometheus finds the Alertmanager pods on 9093 and the 2 s job keeps exactly the model service', () => {
    const config = prometheusConfig(stack);
    const alertmanagers = config.alerting.alertmanagers;
    expect(alertmanagers).toHaveLength(1);
    expect(alertmanagers[0].kubernetes_sd_configs).toEqual([{ role: 'pod' }]);
    const targets = podTargetsKept(alertmanagers[0].relabel_configs, stack.all, stack.namespace);
    expect(targets.map((t) => `${t.pod.owner}:${t.port}`)).toEqual(['StatefulSet prometheus-alertmanager:9093']);

    const job = config.scrape_configs.find((j) => j.job_name === EVERY_2S_JOB_NAME)!;
    const scraped = podTargetsKept(job.relabel_configs!, stack.all, stack.namespace);
    expect(scraped.map((t) => `${t.pod.owner}:${t.port}`)).toEqual(['Deployment model-service:3010']);
  });

  test('the chart\'s probe job has nothing to probe, so its `blackbox` address is never used', () => {
    // prometheus 19.6.1's `kubernetes-services` job sends Services annotated prometheus.io/probe to
    // an address `blackbox`, an exporter this stack does not install.
    const job = prometheusConfig(stack).scrape_configs.find((j) => j.job_name === 'kubernetes-services')!;
    expect(JSON.stringify(job.relabel_configs)).toContain('"replacement":"blackbox"');
    const annotated = stack.all.filter((o) => o.kind === 'Service' && o.metadata.annotations?.['prometheus.io/probe'] !== undefined);
    expect(annotated).toEqual([]);
  });

  test('MinIO\'s provisioning job creates exactly the buckets the rendered Loki and Tempo configs use', () => {
    const job = findObject(release(stack, 'minio').objects, 'Job', 'minio-provisioning');
    const script = JSON.stringify(job.spec);
    const provisioned = [...script.matchAll(/mc mb provisioning\/([a-z0-9.-]+)/g)].map((m) => m[1]);
    const used = [
      ...bucketsUsed(configFile(findObject(release(stack, 'loki').objects, 'ConfigMap', 'loki'), 'config.yaml')),
      ...bucketsUsed(configFile(findObject(release(stack, 'tempo').objects, 'ConfigMap', 'tempo'), 'tempo.yaml')),
    ];
    expect(used.length).toBeGreaterThanOrEqual(3);
    expect([...new Set(provisioned)].sort()).toEqual([...new Set(used)].sort());
  });

  test('every Secret, ConfigMap, claim and service account a pod names exists, with the keys it reads', () => {
    expect(stack.installSecrets.map((s) => s.metadata.name).sort()).toEqual(['grafana-admin', 'minio-root-credentials']);
    expect(objectReferenceProblems(stack.all, stack.namespace)).toEqual([]);
  });

  test('every `existingSecret` in our values names a Secret the install creates, with the keys the chart reads', () => {
    const secrets = new Map(stack.installSecrets.map((s) => [s.metadata.name, Object.keys((s as unknown as { data: object }).data)]));
    expect(secrets.get(valuesOf(stack, 'minio').auth.existingSecret)).toEqual(['root-password', 'root-user']);
    const admin = valuesOf(stack, 'grafana').admin;
    expect(secrets.get(admin.existingSecret)).toEqual(expect.arrayContaining([admin.userKey, admin.passwordKey]));
  });

  test('the checker fails, naming where and what, when a Service is renamed', () => {
    const renamed = stack.all.map((o) =>
      o.kind === 'Service' && o.metadata.name === 'loki-gateway' ? { ...o, metadata: { ...o.metadata, name: 'loki-gateway-renamed' } } : o,
    );
    const there =
      'there are: grafana, loki-gateway-renamed, loki-memberlist, loki-read, loki-read-headless, loki-write, loki-write-headless, ' +
      'minio, minio-console-nodeport, model-service, model-service-peers, prometheus-alertmanager, prometheus-alertmanager-headless, ' +
      'prometheus-kube-state-metrics, prometheus-server, tempo';
    const url = 'http://loki-gateway.technical-observability-for-ml.svc';
    expect(problems(stack, renamed)).toEqual([
      `values/promtail.yaml: ${url}: no Service "loki-gateway" in namespace technical-observability-for-ml (${there}).`,
      `promtail Secret promtail promtail.yaml: ${url}: no Service "loki-gateway" in namespace technical-observability-for-ml (${there}).`,
    ]);
  });

  test('the checker fails when a port or a Secret key is missing', () => {
    const tempoWithoutOtlp = stack.all.map((o) => {
      if (o.kind !== 'Service' || o.metadata.name !== 'tempo') return o;
      const spec = o.spec as { ports: { port: number }[] };
      return { ...o, spec: { ...spec, ports: spec.ports.filter((p) => p.port !== 4318) } };
    });
    expect(problems(stack, tempoWithoutOtlp)).toEqual([
      expect.stringMatching(
        /^observability\.k8s\.yaml ConfigMap model-service-config OTEL_EXPORTER_OTLP_ENDPOINT: http:\/\/tempo\.technical-observability-for-ml\.svc:4318: Service technical-observability-for-ml\/tempo has no port 4318 \(ports: 3100 \(tempo-prom-metrics\), /,
      ),
    ]);
    const withoutRootUser = stack.all.map((o) =>
      o.kind === 'Secret' && o.metadata.name === 'minio-root-credentials' ? { ...o, data: { 'root-password': 'eA==' } } : o,
    );
    const missing = objectReferenceProblems(withoutRootUser, stack.namespace);
    expect(missing).toContain(
      'Deployment minio (technical-observability-for-ml) container minio env MINIO_ROOT_USER: Secret "minio-root-credentials" has no key "root-user" (keys: root-password).',
    );
    expect(missing.some((p) => p.startsWith('StatefulSet loki-write (technical-observability-for-ml) container write env MINIO_ROOT_USER:'))).toBe(true);
  });
});

describe('the same stack with the namespace and every release renamed', () => {
  test('still resolves every address, bucket and reference (the charts name things as lib/ expects)', async () => {
    const synth = synthToFiles({
      profile: 'reference',
      namespace: 'obs-renamed',
      releaseNames: { minio: 's3store', loki: 'logstore', promtail: 'shipper', tempo: 'tracestore', prometheus: 'metricstore', grafana: 'dash' },
    });
    const renamed = await renderStack(synth.outdir);
    expect(renamed.namespace).toBe('obs-renamed');
    const wiring = renamedStackWiring(renamed, 'metricstore');
    expect(wiring.addressesIntoNamespace).toBeGreaterThan(10);
    expect(wiring).toEqual({ ...wiring, addressProblems: [], referenceProblems: [], serviceBackendProblems: [], alertmanagerPorts: [9093] });
  }, RENDER_TIMEOUT_MS);
});
