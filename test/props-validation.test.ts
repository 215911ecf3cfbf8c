import { Testing } from 'cdk8s';
import { ObservabilityStack, ObservabilityStackProps } from '../lib/observability-stack';
import { synthToFiles } from './helpers/synth';

function build(props: ObservabilityStackProps): () => void {
  return () => new ObservabilityStack(Testing.app(), 'observability', props);
}

describe('invalid props fail synth with a clear message', () => {
  test('a namespace that is not an RFC 1123 label', () => {
    expect(build({ namespace: 'Observability_Stack' })).toThrow(
      'namespace: "Observability_Stack" is not a valid Kubernetes namespace name',
    );
    expect(build({ namespace: 'x'.repeat(64) })).toThrow(/is not a valid Kubernetes namespace name/);
  });

  test('a NodePort outside 30000-32767', () => {
    expect(build({ grafanaNodePort: 3000 })).toThrow('grafana.nodePort: 3000 is not a usable NodePort. Pick an integer from 30000 to 32767');
    expect(build({ minioConsoleNodePort: 40000 })).toThrow(/minio.consoleNodePort: 40000 is not a usable NodePort/);
    expect(build({ modelService: { nodePort: 30010.5 } })).toThrow(/model-service.nodePort: 30010.5 is not a usable NodePort/);
  });

  test('two Services asking for the same NodePort', () => {
    expect(build({ grafanaNodePort: 30010 })).toThrow(
      'grafanaNodePort and modelService.nodePort both ask for NodePort 30010: pick a different one for each',
    );
  });

  test('a chart version that is not an exact semantic version', () => {
    expect(build({ chartVersions: { grafana: '^6.50' } })).toThrow(
      'chartVersions.grafana: "^6.50" is not an exact chart version. Give a full semantic version such as "6.50.8"',
    );
    expect(build({ chartVersions: { loki: 'v1.8.11' } })).toThrow(/chartVersions.loki: "v1.8.11" is not an exact chart version/);
  });

  test('a release name Helm would refuse', () => {
    expect(build({ releaseNames: { loki: 'Loki!' } })).toThrow('loki.releaseName: "Loki!" is not a valid Helm release name');
  });

  test('an image reference with whitespace, and a replica count below one', () => {
    expect(build({ modelService: { image: 'my image:1' } })).toThrow(/model-service.image: "my image:1" is not a container image reference/);
    expect(build({ modelService: { replicas: 0 } })).toThrow('model-service.replicas: 0 must be a whole number of at least 1.');
  });

  test('two releases with the same name', () => {
    expect(() => synthToFiles({ releaseNames: { loki: 'store', tempo: 'store' } })).toThrow(
      'Two Helm releases are both named "technical-observability-for-ml/store"',
    );
  });

  test('valid non-default values are accepted', () => {
    const result = synthToFiles({ namespace: 'obs', grafanaNodePort: 32000, chartVersions: { grafana: '6.50.9' } });
    expect(result.files['helm/helmfile.yaml']).toContain('version: 6.50.9');
  });
});
