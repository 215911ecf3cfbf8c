import { extractAddresses, extractFromConfigFile, serviceOf } from '../../verify/addresses';

// The extraction rules of verify/addresses.ts on small texts; test/render/addresses.test.ts runs
// them on the rendered stack.

const NS = 'obs';
const known = new Set(['obs', 'kube-system']);
const found = (text: string) => extractAddresses(text, 'here', NS).map((r) => [r.host, r.port]);

describe('extractAddresses', () => {
  test('URLs take their scheme\'s default port; a shell-variable scheme keeps the written port only', () => {
    expect(found('url: http://loki-gateway.obs.svc/loki/api/v1/push')).toEqual([['loki-gateway.obs.svc', 80]]);
    expect(found('https://grafana.net and http://tempo.obs.svc.cluster.local:3100/api')).toEqual([
      ['grafana.net', 443],
      ['tempo.obs.svc.cluster.local', 3100],
    ]);
    expect(found('mc alias set provisioning $MINIO_SCHEME://minio:9000 $USER')).toEqual([['minio', 9000]]);
    expect(found('${SCHEME}://minio')).toEqual([['minio', undefined]]);
  });

  test('`.svc` hosts outside URLs, with or without a port', () => {
    expect(found('endpoint: minio.obs.svc:9000')).toEqual([['minio.obs.svc', 9000]]);
    expect(found('resolver kube-dns.kube-system.svc.cluster.local;')).toEqual([['kube-dns.kube-system.svc.cluster.local', undefined]]);
    expect(found('a file name like config.svc.yaml is not a host')).toEqual([]);
  });

  test('in YAML files, a whole `name:port` value and the fields known to take bare names', () => {
    const refs = extractFromConfigFile('backend: tempo:3100\nimage: "busybox"\nmemberlist:\n  join_members:\n    - loki-memberlist\n', 'f', NS);
    expect(refs.map((r) => [r.where, r.host, r.port])).toEqual([
      ['f backend', 'tempo', 3100],
      ['f memberlist.join_members.0', 'loki-memberlist', 7946],
    ]);
    expect(extractFromConfigFile('listen: localhost:9090\nbind: 0.0.0.0:4318\n', 'f', NS)).toEqual([]);
  });
});

describe('serviceOf', () => {
  test('the four in-cluster spellings of a Service, and hosts that are not Services', () => {
    expect(serviceOf('tempo', NS, known)).toEqual({ name: 'tempo', namespace: 'obs' });
    expect(serviceOf('tempo.obs', NS, known)).toEqual({ name: 'tempo', namespace: 'obs' });
    expect(serviceOf('tempo.other.svc', NS, known)).toEqual({ name: 'tempo', namespace: 'other' });
    expect(serviceOf('kube-dns.kube-system.svc.cluster.local', NS, known)).toEqual({ name: 'kube-dns', namespace: 'kube-system' });
    expect(serviceOf('grafana.net', NS, known)).toBeUndefined();
    expect(serviceOf('localhost', NS, known)).toBeUndefined();
    expect(serviceOf('127.0.0.1', NS, known)).toBeUndefined();
    expect(serviceOf('a.b.c.svc', NS, known)).toBeUndefined();
  });
});
