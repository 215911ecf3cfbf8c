import { Manifest, manifests, SynthResult, synthToFiles } from '../helpers/synth';
import { DEFAULT_MODEL_SERVICE_IMAGE, unpublishedImageWarning } from '../../lib/model-service/model-service';

/* eslint-disable @typescript-eslint/no-explicit-any */
describe('model service manifests', () => {
  let result: SynthResult;
  let byKind: (kind: string) => any;
  beforeAll(() => {
    result = synthToFiles({ profile: 'reference' });
    const ours = manifests(result).filter((m: Manifest) => m.metadata.labels?.['app.kubernetes.io/name'] === 'model-service');
    byKind = (kind) => ours.find((m) => m.kind === kind);
  });

  test('Deployment carries the 2 s scrape annotations and the app label the scrape job turns into `app`', () => {
    const template = byKind('Deployment').spec.template;
    expect(template.metadata.annotations).toEqual({
      'prometheus.io/scrape_every_2s': 'true',
      'prometheus.io/path': '/metrics',
      'prometheus.io/port': '3010',
      'checksum/config': expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(template.metadata.labels['app.kubernetes.io/name']).toBe('model-service');
  });

  test('selectors leave out the version (a Deployment selector is immutable)', () => {
    const deployment = byKind('Deployment');
    const selector = { 'app.kubernetes.io/name': 'model-service', 'app.kubernetes.io/instance': 'model-service' };
    expect(deployment.spec.selector.matchLabels).toEqual(selector);
    expect(byKind('Service').spec.selector).toEqual(selector);
    expect(byKind('PodDisruptionBudget').spec.selector.matchLabels).toEqual(selector);
    expect(byKind('NetworkPolicy').spec.podSelector.matchLabels).toEqual(selector);
    expect(deployment.metadata.labels).toMatchObject({
      'app.kubernetes.io/version': '0.1.0',
      'app.kubernetes.io/component': 'inference',
      'app.kubernetes.io/part-of': 'technical-observability-for-ml',
    });
  });

  test('hardened pod: non-root, read-only root fs with a /tmp emptyDir, no capabilities, seccomp, no escalation, no API token', () => {
    const pod = byKind('Deployment').spec.template.spec;
    const container = pod.containers[0];
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(container.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    expect(container.resources.requests).toBeDefined();
    expect(container.resources.limits).toBeDefined();
  });

  test('startup and liveness probe /healthz, readiness probes /readyz, on the service port', () => {
    const container = byKind('Deployment').spec.template.spec.containers[0];
    expect(container.ports).toEqual([{ name: 'http', containerPort: 3010, protocol: 'TCP' }]);
    expect(container.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
  });

  test('runtime config comes from the mounted ConfigMap file (CONFIG_FILE) and OTel env from the same ConfigMap', () => {
    const configMap = byKind('ConfigMap');
    const config = JSON.parse(configMap.data['config.json']);
    // Only what differs from the service's defaults (port 3010 and host 0.0.0.0 are defaults:
    // runtime-config.test.ts loads this file with the service's own loader and checks both).
    expect(config).toEqual({ shutdownDrainDelayMs: 5000, feedbackPeers: 'model-service-peers.technical-observability-for-ml.svc' });
    const withModel = manifests(synthToFiles({ profile: 'reference', modelService: { modelPath: '/data/model.json' } })).find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'model-service-config') as any;
    expect(JSON.parse(withModel.data['config.json'])).toEqual({
      modelPath: '/data/model.json', shutdownDrainDelayMs: 5000, feedbackPeers: 'model-service-peers.technical-observability-for-ml.svc',
    });
    // feedbackPeers names a headless Service selecting exactly the Deployment's pods.
    const peers = manifests(synthToFiles({ profile: 'reference' })).find((m) => m.kind === 'Service' && m.metadata.name === 'model-service-peers') as any;
    expect(peers.spec.clusterIP).toBe('None');
    expect(peers.spec.selector).toEqual(byKind('Deployment').spec.selector.matchLabels);
    const container = byKind('Deployment').spec.template.spec.containers[0];
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env.CONFIG_FILE).toBe('/etc/model-service/config.json');
    expect(container.volumeMounts).toContainEqual({ name: 'config', mountPath: '/etc/model-service', readOnly: true });
    expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toEqual({ configMapKeyRef: { name: configMap.metadata.name, key: 'OTEL_EXPORTER_OTLP_ENDPOINT' } });
    expect(env.OTEL_RESOURCE_ATTRIBUTES).toBe('k8s.pod.name=$(POD_NAME),k8s.namespace.name=$(POD_NAMESPACE)');
  });

  test('NodePort 30010 -> 3010; NetworkPolicy admits only the service port; PDB keeps one pod up', () => {
    expect(byKind('Service').spec).toMatchObject({ type: 'NodePort', ports: [{ port: 3010, nodePort: 30010, targetPort: 'http' }] });
    expect(byKind('NetworkPolicy').spec).toEqual({
      podSelector: expect.any(Object),
      policyTypes: ['Ingress'],
      ingress: [{ ports: [{ port: 3010, protocol: 'TCP' }] }],
    });
    // The autoscaler owns the count (test/model-service/autoscaling.test.ts).
    expect(byKind('Deployment').spec.replicas).toBeUndefined();
    expect(byKind('HorizontalPodAutoscaler').spec.minReplicas).toBe(2);
    expect(byKind('PodDisruptionBudget').spec.maxUnavailable).toBe(1);
  });

  test('a config change changes the pod template (rolls the pods)', () => {
    const other = synthToFiles({ profile: 'reference', namespace: 'elsewhere' });
    const checksum = (r: SynthResult) =>
      (manifests(r).find((m) => m.kind === 'Deployment') as any).spec.template.metadata.annotations['checksum/config'];
    expect(checksum(other)).not.toBe(checksum(result));
  });

  test('image and app name are configurable and flow to labels, OTEL_SERVICE_NAME and the rules', () => {
    const custom = synthToFiles({ profile: 'reference', modelService: { image: 'registry.example/classifier:2.3.4', appName: 'classifier' } });
    const deployment = manifests(custom).find((m) => m.kind === 'Deployment') as any;
    expect(deployment.metadata.name).toBe('classifier');
    expect(deployment.spec.template.spec.containers[0].image).toBe('registry.example/classifier:2.3.4');
    expect(deployment.metadata.labels['app.kubernetes.io/version']).toBe('2.3.4');
    const configMap = manifests(custom).find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'classifier-config') as any;
    expect(configMap.data.OTEL_SERVICE_NAME).toBe('classifier');
    expect(custom.files['helm/values/prometheus.yaml']).toContain('app="classifier"');
    expect(custom.files['helm/values/prometheus.yaml']).not.toContain('app="model-service"');
  });
});

describe('the model service image synth warns about', () => {
  test('the unpublished default: no registry has it, so the warning says how to name your own', () => {
    expect(unpublishedImageWarning(DEFAULT_MODEL_SERVICE_IMAGE)).toBe(
      'the model service image is the default "technical-observability-for-ml/model-service:0.1.0", which no registry publishes, '
      + 'so its pods cannot start on a cluster: build and push model-service/Dockerfile, name your image in main.ts '
      + '(MODEL_SERVICE_IMAGE), run npm run synth and commit dist/ (README, "Your own image").',
    );
  });

  test('any other image: no warning', () => {
    expect(unpublishedImageWarning('registry.example/model-service:1.2.3')).toBeUndefined();
  });
});

describe('the install instructions in the generated helmfile', () => {
  test.each(['current', 'reference'] as const)('name the %s profile\'s own folder', (profile) => {
    const helmfile = synthToFiles({ profile }).files['helm/helmfile.yaml'];
    expect(helmfile.split('\n')[1]).toBe(
      `# Apply from this folder (the presync hook runs ./create-secrets.sh relative to it): cd dist/${profile}/helm && helmfile apply`,
    );
  });
});
