/**
 * The current profile's loopback rewrites on small inputs: what each edit requires of the render,
 * and that a render that changed shape fails loudly instead of running unchanged.
 */
import { alloyForLoopback, bucketHookForLoopback, gatewayRoutes, rewriteText, seaweedArgsForLoopback } from './support/current-loopback-configs';
import { containerEnv } from './support/local-stack';

const NGINX = `
http {
  map $http_x_query_tags $query_tags {
    ""        "noop=";
    default   $http_x_query_tags;
  }
  server {
    location = /loki/api/v1/push {
      set $backend     "http://loki.obs.svc.cluster.local:3100";
      proxy_pass       $backend$request_uri;
    }
    location ^~ /loki/api/v1/ {
      proxy_set_header X-Query-Tags "\${query_tags},user=\${http_x_grafana_user}";
      set $backend     "http://loki-read.obs.svc.cluster.local:3100";
      proxy_pass       $backend$request_uri;
    }
  }
}`;

test('the gateway\'s route for a path: the exact location first, else the longest prefix, whatever braces a block holds', () => {
  expect(gatewayRoutes(NGINX, ['/loki/api/v1/push', '/loki/api/v1/query_range', '/other'])).toEqual({
    '/loki/api/v1/push': 'loki.obs.svc.cluster.local:3100',
    '/loki/api/v1/query_range': 'loki-read.obs.svc.cluster.local:3100',
    '/other': undefined,
  });
});

test('a text edit must match exactly once, and is listed with what it replaced', () => {
  expect(rewriteText('url = "a"\n', [{ from: '"a"', to: '"b"', why: 'because' }])).toEqual({
    text: 'url = "b"\n', changes: [{ path: '"a"', from: '"a"', to: '"b"', why: 'because' }],
  });
  expect(() => rewriteText('a a', [{ from: 'a', to: 'b', why: '' }])).toThrow('has 2 occurrences of /a/g, expected exactly 1');
  expect(() => rewriteText('x', [{ from: 'a', to: 'b', why: '' }])).toThrow('has 0 occurrences');
});

const ALLOY = `discovery.kubernetes "pods" {
  role = "pod"
}

discovery.relabel "pod_logs" {
  targets = discovery.kubernetes.pods.targets
  rule {
    replacement   = "/var/log/pods/*$1/*.log"
    target_label  = "__path__"
  }
}

loki.write "default" {
  endpoint {
    url = "http://loki-gateway.obs.svc/loki/api/v1/push"
  }
}
`;

test('Alloy: discovery becomes the targets it would give, the pod log folder and the push URL move, nothing else', () => {
  const { text, changes } = alloyForLoopback(ALLOY, {
    podTargets: [{ targets: ['127.0.0.1:3010'], labels: { __meta_kubernetes_pod_name: 'p "1"' } }],
    podLogRoot: '/tmp/pods', pushUrl: 'http://127.0.0.1:3100/loki/api/v1/push', renderedPushUrl: 'http://loki-gateway.obs.svc/loki/api/v1/push',
  });
  expect(text).not.toContain('discovery.kubernetes');
  expect(text).toContain('"__address__" = "127.0.0.1:3010"');
  expect(text).toContain('"__meta_kubernetes_pod_name" = "p \\"1\\""');
  expect(text).toContain('replacement   = "/tmp/pods/*$1/*.log"');
  expect(text).toContain('url = "http://127.0.0.1:3100/loki/api/v1/push"');
  expect(changes.map((c) => c.path)).toEqual(['discovery.kubernetes "pods"', 'discovery.relabel "pod_logs" targets', '/var/log/pods/', 'loki.write "default" endpoint url']);
  expect(() => alloyForLoopback(ALLOY.replace('discovery.kubernetes.pods.targets', 'other.targets'), {
    podTargets: [], podLogRoot: '/tmp', pushUrl: 'x', renderedPushUrl: 'http://loki-gateway.obs.svc/loki/api/v1/push',
  })).toThrow('0 occurrences of /targets = discovery\\.kubernetes\\.pods\\.targets/g');
});

test('SeaweedFS: the chart\'s one-line weed command, continuations joined and ${VAR}s expanded, with addresses and ports moved', () => {
  const script = '/usr/bin/weed \\\n-v=1 \\\nserver \\\n-dir=/data \\\n-ip=${POD_IP} \\\n-ip.bind=0.0.0.0 \\\n-master.port=9333 \\\n-volume.port=8080 \\\n'
    + '-filer.port=8888 \\\n-s3.port=8333 \\\n-metricsPort=9324 \\\n-s3.config=/etc/sw/s3/seaweedfs_s3_config \\\n';
  const { args, changes } = seaweedArgsForLoopback(script, { POD_IP: '127.0.0.1' }, {
    ports: { master: 11000, volume: 11001, filer: 11002, s3: 11003, metrics: 11004, iceberg: 11005, lance: 11006 }, dataDir: '/tmp/sw', s3ConfigFile: '/tmp/s3.json',
  });
  expect(args).toEqual(['-v=1', 'server', '-dir=/tmp/sw', '-ip=127.0.0.1', '-ip.bind=127.0.0.1', '-master.port=11000', '-volume.port=11001',
    '-filer.port=11002', '-s3.port=11003', '-metricsPort=11004', '-s3.config=/tmp/s3.json', '-s3.port.iceberg=11005', '-s3.port.lance=11006']);
  expect(changes.map((c) => c.path)).toEqual(['-dir', '-ip.bind', '-master.port', '-volume.port', '-filer.port', '-s3.port', '-metricsPort', '-s3.config', '-s3.port.iceberg', '-s3.port.lance']);
  expect(() => seaweedArgsForLoopback('/bin/other server', {}, { ports: { master: 1, volume: 2, filer: 3, s3: 4, metrics: 5, iceberg: 6, lance: 7 }, dataDir: '', s3ConfigFile: '' }))
    .toThrow('the SeaweedFS container does not run weed');
  expect(bucketHookForLoopback('echo x | /usr/bin/weed shell; /usr/bin/weed shell', '/bin/weed-4.44').text).toBe('echo x | /bin/weed-4.44 shell; /bin/weed-4.44 shell');
  expect(() => bucketHookForLoopback('echo nothing', '/bin/weed')).toThrow('the bucket hook calls no /usr/bin/weed');
});

test('a container\'s env: Secret keys from create-secrets.sh, the downward API, $(VAR) expansion; a missing key is an error as it keeps the pod from starting', () => {
  const pod = { name: 'loki-0', uid: 'u', ip: '127.0.0.1', nodeName: 'n1', replicaSetName: 'loki' };
  const secrets = new Map([['s3/key', 'K']]);
  const container = {
    name: 'loki',
    env: [
      { name: 'KEY', valueFrom: { secretKeyRef: { name: 's3', key: 'key' } } },
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      { name: 'ADDR', value: '$(POD_IP):3100' },
    ],
  };
  expect(containerEnv(container, { namespace: 'obs', pod, secrets })).toEqual({ KEY: 'K', POD_IP: '127.0.0.1', NODE: 'n1', ADDR: '127.0.0.1:3100' });
  expect(() => containerEnv({ name: 'loki', env: [{ name: 'KEY', valueFrom: { secretKeyRef: { name: 's3', key: 'other' } } }] }, { namespace: 'obs', pod, secrets }))
    .toThrow('loki: env KEY names Secret s3 key other, which create-secrets.sh does not create');
});
