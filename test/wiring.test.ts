import { EVERY_2S_JOB_NAME } from '../lib/prometheus/scrape-configs';
import { PROFILE_CHARTS } from '../lib/shared/versions';
import { parse } from 'yaml';
import { findManifest, SynthResult, synthToFiles, values } from './helpers/synth';

const NS = 'technical-observability-for-ml';

describe('cross-references are derived from the constructs (default names)', () => {
  let result: SynthResult;
  beforeAll(() => {
    result = synthToFiles({ profile: 'reference' });
  });

  test('Loki and Tempo store in MinIO: endpoint from MinIO\'s Service, credentials from its Secret', () => {
    const minio = values(result, 'minio');
    const loki = values(result, 'loki');
    const tempo = values(result, 'tempo');
    const secret = minio.auth.existingSecret;
    expect(secret).toBe('minio-root-credentials');

    expect(loki.loki.storage.s3.endpoint).toBe(`minio.${NS}.svc:9000`);
    expect(loki.loki.storage.s3).toMatchObject({ s3ForcePathStyle: true, insecure: true });
    expect(tempo.tempo.storage.trace.s3.endpoint).toBe(`minio.${NS}.svc:9000`);
    expect(tempo.tempo.storage.trace).toMatchObject({ backend: 's3', s3: { insecure: true, forcepathstyle: true } });

    for (const env of [loki.write.extraEnv, loki.read.extraEnv, tempo.tempo.extraEnv]) {
      expect(env.map((e: { valueFrom: { secretKeyRef: { name: string; key: string } } }) => e.valueFrom.secretKeyRef)).toEqual([
        { name: secret, key: 'root-user' },
        { name: secret, key: 'root-password' },
      ]);
    }
    // The config references the env vars and Loki/Tempo are told to expand them.
    expect(loki.loki.storage.s3.accessKeyId).toBe('${MINIO_ROOT_USER}');
    expect(loki.write.extraArgs).toContain('-config.expand-env=true');
    expect(tempo.tempo.storage.trace.s3.secret_key).toBe('${MINIO_ROOT_PASSWORD}');
    expect(tempo.tempo.extraArgs).toEqual({ 'config.expand-env': true });
  });

  test('MinIO provisions exactly the buckets Loki and Tempo use', () => {
    const buckets = values(result, 'minio').provisioning.buckets.map((b: { name: string }) => b.name);
    const loki = values(result, 'loki').loki.storage.bucketNames;
    const tempo = values(result, 'tempo').tempo.storage.trace.s3.bucket;
    expect(buckets.sort()).toEqual([loki.chunks, loki.ruler, tempo].sort());
    expect(values(result, 'minio').provisioning.enabled).toBe(true);
  });

  test('Promtail pushes to Loki\'s gateway Service', () => {
    expect(values(result, 'promtail').config.clients).toEqual([{ url: `http://loki-gateway.${NS}.svc/loki/api/v1/push` }]);
  });

  test('Grafana datasources point at Prometheus server, Loki read and Tempo query Services', () => {
    const ds = values(result, 'grafana').datasources['datasources.yaml'].datasources;
    const urls = Object.fromEntries(ds.map((d: { uid: string; url: string }) => [d.uid, d.url]));
    expect(urls).toEqual({
      prometheus: `http://prometheus-server.${NS}.svc`,
      loki: `http://loki-read.${NS}.svc:3100`,
      tempo: `http://tempo.${NS}.svc:3100`,
    });
  });

  test('Tempo\'s metrics-generator remote-writes into Prometheus, and Grafana\'s service map reads that Prometheus', () => {
    const tempo = values(result, 'tempo');
    const prometheusUrl = result.stack.prometheus.serverUrl;
    expect(prometheusUrl).toBe(`http://prometheus-server.${NS}.svc`);
    expect(tempo.tempo.metricsGenerator).toEqual({ enabled: true, remoteWriteUrl: `${prometheusUrl}/api/v1/write` });
    expect(result.stack.prometheus.remoteWriteUrl).toBe(`${prometheusUrl}/api/v1/write`);
    // Prometheus only accepts remote write with this flag.
    expect(values(result, 'prometheus').server.extraFlags).toContain('web.enable-remote-write-receiver');
    // The service map's datasource is the Prometheus datasource that points at that same server.
    const ds = values(result, 'grafana').datasources['datasources.yaml'].datasources as {
      uid: string;
      type: string;
      url: string;
      jsonData: { serviceMap?: { datasourceUid: string } };
    }[];
    const tempoDs = ds.find((d) => d.type === 'tempo')!;
    const serviceMapDs = ds.find((d) => d.uid === tempoDs.jsonData.serviceMap?.datasourceUid);
    expect(serviceMapDs).toMatchObject({ type: 'prometheus', url: prometheusUrl });
  });

  test('the model service sends traces to Tempo\'s OTLP/HTTP receiver', () => {
    const config = findManifest(result, 'ConfigMap', 'model-service-config') as unknown as { data: Record<string, string> };
    expect(config.data.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(`http://tempo.${NS}.svc:4318`);
    expect(config.data.OTEL_SERVICE_NAME).toBe('model-service');
    expect(values(result, 'tempo').tempo.receivers.otlp.protocols).toEqual({
      grpc: { endpoint: '0.0.0.0:4317' },
      http: { endpoint: '0.0.0.0:4318' },
    });
  });

  test('Grafana mounts the dashboards ConfigMap we ship and reads admin credentials from a Secret', () => {
    const grafana = values(result, 'grafana');
    const configMap = findManifest(result, 'ConfigMap', grafana.dashboardsConfigMaps.default) as unknown as { data: Record<string, string> };
    const dashboard = JSON.parse(configMap.data['model-service.json']);
    expect(typeof dashboard.uid).toBe('string');
    expect(grafana.dashboardProviders['dashboardproviders.yaml'].providers[0].options.path).toBe('/var/lib/grafana/dashboards/default');
    expect(grafana.admin.existingSecret).toBe('grafana-admin');
    expect(grafana.service).toEqual({ type: 'NodePort', nodePort: 30000 });
    expect(result.files['helm/create-secrets.sh']).toMatch(/\| ensure_secret technical-observability-for-ml grafana-admin$/m);
    expect(result.files['helm/create-secrets.sh']).toMatch(/\| ensure_secret technical-observability-for-ml minio-root-credentials$/m);
  });

  test('Prometheus: 2 s job, exemplar storage, remote-write receiver, node-exporter and pushgateway off, model-service rules', () => {
    const prometheus = values(result, 'prometheus');
    const [job] = parse(prometheus.extraScrapeConfigs);
    expect(job).toMatchObject({ job_name: EVERY_2S_JOB_NAME, scrape_interval: '2s' });
    expect(prometheus.server.extraFlags).toEqual(['web.enable-lifecycle', 'enable-feature=exemplar-storage', 'web.enable-remote-write-receiver']);
    expect(prometheus['prometheus-node-exporter'].enabled).toBe(false);
    expect(prometheus['prometheus-pushgateway'].enabled).toBe(false);
    expect(prometheus.serverFiles['alerting_rules.yml'].groups.length).toBeGreaterThan(0);
    expect(prometheus.serverFiles['recording_rules.yml'].groups.length).toBeGreaterThan(0);
    expect(JSON.stringify(prometheus.serverFiles)).toContain('app=\\"model-service\\"');
  });

  test('the memory alert assumes the model service container\'s actual memory limit', () => {
    const deployment = findManifest(result, 'Deployment', 'model-service') as unknown as {
      spec: { template: { spec: { containers: { resources: { limits: { memory: string } } }[] } } };
    };
    const limit = deployment.spec.template.spec.containers[0].resources.limits.memory;
    const mib = Number(/^(\d+)Mi$/.exec(limit)![1]);
    expect(JSON.stringify(values(result, 'prometheus').serverFiles['alerting_rules.yml'])).toContain(`/ ${mib * 1024 * 1024} >`);
  });

  test('Loki runs one replica per target without multi-tenancy', () => {
    const loki = values(result, 'loki');
    expect(loki.loki.auth_enabled).toBe(false);
    expect(loki.loki.commonConfig.replication_factor).toBe(1);
    expect([loki.write.replicas, loki.read.replicas, loki.gateway.replicas]).toEqual([1, 1, 1]);
  });

  test('MinIO console on NodePort 30001; the S3 API stays inside the cluster', () => {
    // The chart's single Service carries both ports: it must not be a NodePort, or the S3 API
    // (root credentials) would be published on every node too.
    expect(values(result, 'minio').service).toEqual({ type: 'ClusterIP' });
    const console = findManifest(result, 'Service', 'minio-console-nodeport') as unknown as {
      metadata: { namespace: string };
      spec: { type: string; selector: Record<string, string>; ports: Record<string, unknown>[] };
    };
    expect(console.metadata.namespace).toBe(NS);
    expect(console.spec.type).toBe('NodePort');
    expect(console.spec.ports).toEqual([
      { name: 'minio-console', protocol: 'TCP', port: 9001, targetPort: 'minio-console', nodePort: 30001 },
    ]);
    // That its selector matches the chart's MinIO pods (and 'minio-console' is their port name)
    // is checked against the real chart's output in test/render/addresses.test.ts.
  });

  test('install order: MinIO before Loki and Tempo, Loki before Promtail (helmfile needs and install.sh)', () => {
    const helmfile = parse(result.files['helm/helmfile.yaml']);
    const needs = Object.fromEntries(helmfile.releases.map((r: { name: string; needs?: string[] }) => [r.name, r.needs ?? []]));
    expect(needs).toMatchObject({
      loki: [`${NS}/minio`],
      tempo: [`${NS}/minio`],
      promtail: [`${NS}/loki`],
    });
    const installs = result.files['helm/install.sh']
      .split('\n')
      .filter((l) => l.startsWith('helm upgrade --install'))
      .map((l) => l.split(' ')[3]);
    expect(installs.indexOf('minio')).toBeLessThan(installs.indexOf('loki'));
    expect(installs.indexOf('minio')).toBeLessThan(installs.indexOf('tempo'));
    expect(installs.indexOf('loki')).toBeLessThan(installs.indexOf('promtail'));
    // Same set of releases, versions and values files in both wrappers.
    for (const r of helmfile.releases as { name: string; chart: string; version: string; values: string[]; namespace: string }[]) {
      expect(result.files['helm/install.sh']).toContain(
        `helm upgrade --install ${r.name} ${r.chart} --version ${r.version} --namespace ${r.namespace} -f ${r.values[0]} `,
      );
    }
  });
});

describe('renaming the namespace and every release in one place', () => {
  const renamed = {
    profile: 'reference',
    namespace: 'obs-renamed',
    releaseNames: {
      minio: 's3store',
      loki: 'logstore',
      promtail: 'shipper',
      tempo: 'tracestore',
      prometheus: 'metricstore',
      grafana: 'dash',
    },
  } as const;
  let before: SynthResult;
  let after: SynthResult;
  beforeAll(() => {
    before = synthToFiles({ profile: 'reference' });
    after = synthToFiles(renamed);
  });

  test('leaves no stale namespace or resource name anywhere in the output', () => {
    const old = before.stack;
    // Every name the default stack derived for a cross-reference...
    // (Loki's `loki-read` / `loki-gateway` are left out: loki-simple-scalable 1.8.11 names them
    // after the chart, not the release, so they rightly stay; see lib/loki/loki.ts.)
    const derivedNames = [
      old.minio!.serviceName,
      old.minio!.credentialsSecretName,
      old.minio!.consoleService.name,
      ...Object.values(old.loki.buckets),
      old.tempo.serviceName,
      old.tempo.bucket,
      old.prometheus.serverServiceName,
      old.grafana.adminSecretName,
      old.grafana.dashboardsConfigMap.name,
    ];
    expect(derivedNames).toEqual(expect.arrayContaining(['minio', 'tempo', 'prometheus-server']));
    const ns = before.stack.namespaceName;
    const stale: RegExp[] = [
      new RegExp(`\\.${ns}\\.svc`),
      new RegExp(`namespace:\\s+${ns}\\s`),
      new RegExp(`--namespace ${ns}\\s`),
      new RegExp(`- ${ns}/`),
      new RegExp(`(ensure_secret|create namespace) ${ns}\\s`),
      // ...as a whole token: as a host (`//minio.`), a resource reference or a bucket.
      // (a bare name like "tempo" is also a datasource type/uid, so it only counts as a host)
      ...derivedNames.map((name) =>
        name.includes('-')
          ? new RegExp(`(^|[\\s"'/=])${name}([\\s"'.:/]|$)`, 'm')
          : new RegExp(`(//|[\\s"'=])${name}(\\.[a-z0-9-]+\\.svc|:\\d)`),
      ),
      ...Object.keys(renamed.releaseNames).map((release) => new RegExp(`install ${release}\\s`)),
    ];
    // Chart references (`bitnami/minio`, `grafana/tempo`) name charts, not our resources.
    const chartRefs = Object.values(PROFILE_CHARTS.reference).map((c) => `${c.repository.name}/${c.chart}`);
    for (const [file, original] of Object.entries(after.files)) {
      const content = chartRefs.reduce((text, ref) => text.split(ref).join('<chart>'), original);
      for (const pattern of stale) {
        expect({ file, stale: pattern.exec(content)?.[0] ?? null }).toEqual({ file, stale: null });
      }
    }
  });

  test('and the new names are wired in', () => {
    const helmfile = parse(after.files['helm/helmfile.yaml']);
    expect(helmfile.releases.map((r: { name: string; namespace: string }) => `${r.namespace}/${r.name}`).sort()).toEqual(
      Object.values(renamed.releaseNames).map((name) => `obs-renamed/${name}`).sort(),
    );
    // That every renamed address (S3 endpoint, push URL, datasource URLs, OTLP endpoint, the MinIO
    // console's selector) resolves to what the real charts render under the new names is checked
    // in test/render/addresses.test.ts; here, that the new names are the ones handed around.
    const { stack } = after;
    expect(values(after, 'logstore').loki.storage.s3.endpoint).toBe(stack.minio!.s3Endpoint);
    expect(stack.minio!.s3Endpoint).toMatch(/^s3store[-a-z]*\.obs-renamed\.svc:\d+$/);
    expect(values(after, 'shipper').config.clients[0].url).toBe(stack.loki.pushUrl);
    const ds = values(after, 'dash').datasources['datasources.yaml'].datasources.map((d: { url: string }) => d.url);
    expect(ds).toEqual([stack.prometheus.serverUrl, stack.loki.queryUrl, stack.tempo.queryUrl]);
    const config = findManifest(after, 'ConfigMap', 'model-service-config') as unknown as { data: Record<string, string> };
    expect(config.data.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(stack.tempo.otlpHttpEndpoint);
    expect(values(after, 'tracestore').tempo.metricsGenerator.remoteWriteUrl).toBe(
      'http://metricstore-prometheus-server.obs-renamed.svc/api/v1/write',
    );
    const console = findManifest(after, 'Service', stack.minio!.consoleService.name) as unknown as { metadata: { namespace: string } };
    expect(console.metadata.namespace).toBe('obs-renamed');
  });
});
