/**
 * The current profile's cross-references, derived from the constructs (default names): the same
 * contracts as test/wiring.test.ts checks for the reference profile, with SeaweedFS, Alloy and
 * Loki 3 in place of MinIO, Promtail and loki-simple-scalable.
 */
import { TRACE_ID_LABEL } from 'model-service/contract';
import { findManifest, SynthResult, synthToFiles, values } from './helpers/synth';

const NS = 'technical-observability-for-ml';

describe('current profile: cross-references are derived from the constructs', () => {
  let result: SynthResult;
  beforeAll(() => {
    result = synthToFiles({ profile: 'current' });
  });

  test('Loki and Tempo store in SeaweedFS: S3 endpoint from its Service, keys from its Secret by env var', () => {
    const seaweedfs = values(result, 'seaweedfs');
    const loki = values(result, 'loki');
    const tempo = values(result, 'tempo');
    const secret = seaweedfs.s3.credentials.admin.existingSecret;
    expect(secret).toBe('seaweedfs-s3-credentials');
    expect(loki.loki.storage.s3).toMatchObject({
      endpoint: `seaweedfs-all-in-one.${NS}.svc:8333`,
      accessKeyId: '${S3_ACCESS_KEY_ID}',
      secretAccessKey: '${S3_SECRET_ACCESS_KEY}',
      s3ForcePathStyle: true,
      insecure: true,
    });
    expect(tempo.tempo.storage.trace.s3).toMatchObject({ endpoint: `seaweedfs-all-in-one.${NS}.svc:8333`, access_key: '${S3_ACCESS_KEY_ID}' });
    for (const env of [loki.defaults.extraEnv, tempo.tempo.extraEnv]) {
      expect(env.map((e: { name: string; valueFrom: { secretKeyRef: object } }) => [e.name, e.valueFrom.secretKeyRef])).toEqual([
        ['S3_ACCESS_KEY_ID', { name: secret, key: 'admin_access_key_id' }],
        ['S3_SECRET_ACCESS_KEY', { name: secret, key: 'admin_secret_access_key' }],
      ]);
    }
    expect(loki.defaults.extraArgs).toEqual(['-config.expand-env=true']);
    expect(tempo.tempo.extraArgs).toMatchObject({ 'config.expand-env': true });
  });

  test('SeaweedFS creates exactly the buckets Loki and Tempo use, and auth is on', () => {
    const seaweedfs = values(result, 'seaweedfs');
    const buckets = seaweedfs.allInOne.s3.createBuckets.map((b: { name: string }) => b.name);
    const loki = values(result, 'loki').loki.storage.bucketNames;
    expect(buckets.sort()).toEqual([loki.chunks, loki.ruler, values(result, 'tempo').tempo.storage.trace.s3.bucket].sort());
    expect(seaweedfs.allInOne.s3.enableAuth).toBe(true);
    expect(result.files['helm/create-secrets.sh']).toContain('ensure_secret technical-observability-for-ml seaweedfs-s3-credentials');
  });

  test('Alloy pushes to Loki\'s gateway and keeps trace_id as structured metadata, not a label', () => {
    const config: string = values(result, 'alloy').alloy.configMap.content;
    expect(config).toContain(`url = "http://loki-gateway.${NS}.svc/loki/api/v1/push"`);
    expect(config).toMatch(new RegExp(`stage\\.structured_metadata \\{\\s+values = \\{\\s+"${TRACE_ID_LABEL}" = "${TRACE_ID_LABEL}",`));
    expect(config).not.toContain(`target_label  = "${TRACE_ID_LABEL}"`);
    expect(config).not.toContain('stage.labels');
  });

  test('Grafana 13 datasources: fixed UIDs, Loki and Tempo through their Services, trace links in the keys Grafana 13 reads', () => {
    const ds = values(result, 'grafana').datasources['datasources.yaml'].datasources;
    const byUid = Object.fromEntries(ds.map((d: { uid: string }) => [d.uid, d]));
    expect(Object.fromEntries(ds.map((d: { uid: string; url: string }) => [d.uid, d.url]))).toEqual({
      prometheus: `http://prometheus-server.${NS}.svc`,
      loki: `http://loki-gateway.${NS}.svc`,
      tempo: `http://tempo.${NS}.svc:3200`,
    });
    expect(byUid.loki.jsonData.derivedFields).toEqual([
      expect.objectContaining({ matcherType: 'label', matcherRegex: TRACE_ID_LABEL, datasourceUid: 'tempo' }),
    ]);
    expect(Object.keys(byUid.tempo.jsonData)).toEqual(expect.arrayContaining(['tracesToLogsV2', 'tracesToMetrics', 'serviceMap']));
    expect(byUid.tempo.jsonData).not.toHaveProperty('tracesToLogs');
    expect(byUid.tempo.jsonData.tracesToLogsV2.query).toBe(`{$\${__tags}} | ${TRACE_ID_LABEL}="$\${__span.traceId}"`);
    expect(byUid.prometheus.jsonData.exemplarTraceIdDestinations).toEqual([{ name: TRACE_ID_LABEL, datasourceUid: 'tempo' }]);
  });

  test('the model service sends traces to its node\'s Alloy, which exports to Tempo 2.10\'s OTLP gRPC port; Prometheus takes Tempo\'s remote write', () => {
    const config = findManifest(result, 'ConfigMap', 'model-service-config') as unknown as { data: Record<string, string> };
    expect(config.data.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(`http://alloy.${NS}.svc:4318`);
    expect(values(result, 'alloy').alloy.configMap.content).toMatch(new RegExp(`otelcol\\.exporter\\.otlp "tempo" \\{\\s+client \\{\\s+endpoint = "tempo\\.${NS}\\.svc:4317"`));
    expect(values(result, 'tempo').tempo.metricsGenerator).toEqual({ enabled: true, remoteWriteUrl: `http://prometheus-server.${NS}.svc/api/v1/write` });
    expect(values(result, 'prometheus').server.extraFlags).toEqual(
      expect.arrayContaining(['enable-feature=exemplar-storage', 'web.enable-remote-write-receiver']),
    );
  });
});

describe('current profile props', () => {
  test('Loki\'s deployment mode sets every target\'s replicas (the chart refuses mixed modes)', () => {
    const scalable = values(synthToFiles({ loki: { deployment: { mode: 'SimpleScalable', replicas: { write: 3, read: 2 } } } }), 'loki');
    expect(scalable.deploymentMode).toBe('SimpleScalable');
    expect([scalable.singleBinary, scalable.read, scalable.write, scalable.backend, scalable.ingester]).toEqual([
      { replicas: 0 }, { replicas: 2 }, { replicas: 3 }, { replicas: 3 }, { replicas: 0 },
    ]);
    expect(scalable.loki.commonConfig.replication_factor).toBe(3);
  });

  test('retention props reach Loki and Tempo', () => {
    const result = synthToFiles({ loki: { retention: '720h' }, tempoRetention: '72h' });
    expect(values(result, 'loki').loki.limits_config.retention_period).toBe('720h');
    expect(values(result, 'tempo').tempo.retention).toBe('72h');
  });

  test('bad combinations are refused, naming the props', () => {
    expect(() => synthToFiles({ loki: { replicationFactor: 2 } })).toThrow(
      'loki.replicationFactor: 2 must be a whole number from 1 to the 1 replica(s) that hold streams in Monolithic mode (deployment.replicas).',
    );
    expect(() => synthToFiles({ loki: { deployment: { mode: 'Distributed', replicas: { ingester: 0 } } } })).toThrow(
      'loki.deployment.replicas.ingester: 0 is not a whole number of at least 1.',
    );
    expect(() => synthToFiles({ loki: { retention: '7d' } })).toThrow('loki.retention: "7d" is not a whole number of hours like "168h".');
    expect(() => synthToFiles({ profile: 'reference', loki: { retention: '720h' } })).toThrow(
      'loki: current profile only; the reference profile keeps its pinned design.',
    );
    expect(() => synthToFiles({ minioConsoleNodePort: 30001 })).toThrow('minioConsoleNodePort: reference profile only');
    expect(() => synthToFiles({ releaseNames: { minio: 'store' } })).toThrow(
      'releaseNames: the current profile has no minio release (its releases: seaweedfs, loki, alloy, tempo, prometheus, grafana).',
    );
  });
});
