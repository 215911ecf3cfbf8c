import { App, Chart, Testing } from 'cdk8s';
import { ObservabilityStack, ObservabilityStackProps } from '../../lib/observability-stack';
import { Minio } from '../../lib/minio/minio';
import { Tempo } from '../../lib/tempo/tempo';

function tempo(): Tempo {
  const chart = new Chart(Testing.app(), 'test');
  const minio = new Minio(chart, 'minio', { namespace: 'obs', profile: 'reference' });
  return new Tempo(chart, 'tempo', { namespace: 'obs', profile: 'reference', storage: minio });
}

describe('Tempo metrics-generator', () => {
  test('is off until a remote-write target is named', () => {
    expect(tempo().renderValues().tempo?.metricsGenerator).toBeUndefined();
  });

  test('remote-writes service graphs and span metrics to the target\'s URL', () => {
    const t = tempo();
    t.remoteWriteMetricsTo({ remoteWriteUrl: 'http://metrics.obs.svc/api/v1/write' });
    expect(t.renderValues().tempo?.metricsGenerator).toEqual({ enabled: true, remoteWriteUrl: 'http://metrics.obs.svc/api/v1/write' });
  });

  test('refuses a URL that is not absolute http(s)', () => {
    const t = tempo();
    t.remoteWriteMetricsTo({ remoteWriteUrl: 'metrics:9090/api/v1/write' });
    expect(() => t.renderValues()).toThrow('tempo: remote-write URL "metrics:9090/api/v1/write" is not an absolute http(s) URL');
  });
});

describe('Tempo replicas (current profile)', () => {
  const stackWith = (props: ObservabilityStackProps) => new ObservabilityStack(new App(), 'stack', props);

  test('GIVEN 1 THEN one plain single binary: no cluster flags, no headless Service, no disruption budget', () => {
    const stack = stackWith({ tempoReplicas: 1 });
    const values = stack.tempo.renderValues() as { replicas?: number; tempo: { extraArgs: Record<string, unknown>; ingester?: unknown } };
    expect(values.replicas).toBeUndefined();
    expect(values.tempo.extraArgs).toEqual({ 'config.expand-env': true });
    expect(values.tempo.ingester).toBeUndefined();
    expect(Testing.synth(stack).filter((o) => o.metadata?.name?.startsWith('tempo'))).toEqual([]);
  });

  test('GIVEN 5 THEN five pods writing each span to 3 of them', () => {
    const values = stackWith({ tempoReplicas: 5 }).tempo.renderValues() as { replicas: number; tempo: { ingester: { lifecycler: { ring: { replication_factor: number } } } } };
    expect(values.replicas).toBe(5);
    expect(values.tempo.ingester.lifecycler.ring.replication_factor).toBe(3);
  });

  test.each([
    [{ tempoReplicas: 2 }, 'tempo.replicas: 2 is not 1 or a whole number of at least 3 (with 2, a write needs both pods, so either one restarting stops ingest).'],
    [{ tempoReplicas: 0 }, 'tempo.replicas: 0 is not 1 or a whole number of at least 3'],
    [{ profile: 'reference', tempoReplicas: 3 }, 'tempoReplicas: current profile only'],
  ] as [ObservabilityStackProps, string][])('GIVEN %j THEN a one-line error says what to use', (props, message) => {
    expect(() => stackWith(props)).toThrow(message);
  });
});
