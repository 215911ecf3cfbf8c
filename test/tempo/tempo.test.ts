import { Chart, Testing } from 'cdk8s';
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
