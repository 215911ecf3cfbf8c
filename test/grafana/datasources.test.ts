import { stringify } from 'yaml';
import { DATASOURCE_UIDS, grafanaDatasources } from '../../lib/grafana/datasources';
import { LOKI_TRACE_ID_REGEX, LOG_TRACE_TOKEN, TRACE_ID_LABEL } from 'model-service/contract';

const endpoints = {
  prometheusUrl: 'http://prometheus-server.technical-observability-for-ml.svc.cluster.local:80',
  lokiUrl: 'http://loki-read.technical-observability-for-ml.svc.cluster.local:3100',
  tempoUrl: 'http://tempo.technical-observability-for-ml.svc.cluster.local:3100',
};
const [prometheus, loki, tempo] = grafanaDatasources(endpoints);

/**
 * Grafana expands `$name` and `${name}` from the environment in provisioning files and turns `$$` into `$`
 * (pkg/services/provisioning/values). This mirrors that rule to show what Grafana ends up reading.
 */
function grafanaProvisioningExpand(text: string, env: Record<string, string> = {}): string {
  return text.replace(/\$\$|\$\{(\w+)\}|\$(\w+)/g, (m, braced, bare) => (m === '$$' ? '$' : env[braced ?? bare] ?? ''));
}

describe('Grafana datasources', () => {
  test('snapshot', () => {
    expect(grafanaDatasources(endpoints)).toMatchSnapshot();
  });

  test('fixed UIDs, Prometheus is the default, none editable in the UI', () => {
    expect([prometheus.uid, loki.uid, tempo.uid]).toEqual([DATASOURCE_UIDS.prometheus, DATASOURCE_UIDS.loki, DATASOURCE_UIDS.tempo]);
    expect([prometheus.isDefault, loki.isDefault, tempo.isDefault]).toEqual([true, false, false]);
    expect(new Set([prometheus, loki, tempo].map((d) => d.editable))).toEqual(new Set([false]));
    expect(prometheus.url).toBe(endpoints.prometheusUrl);
  });

  test('Prometheus exemplars link trace_id to Tempo', () => {
    expect(prometheus.jsonData.exemplarTraceIdDestinations).toEqual([{ name: TRACE_ID_LABEL, datasourceUid: 'tempo' }]);
  });

  test('the Loki derived field `trace` finds the trace id in a service log line and links to Tempo', () => {
    const [field] = loki.jsonData.derivedFields as { name: string; matcherRegex: string; datasourceUid: string; url: string }[];
    expect(field).toMatchObject({ name: 'trace', matcherRegex: LOKI_TRACE_ID_REGEX, datasourceUid: 'tempo' });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const line = `request completed route=/predict status=200 ${LOG_TRACE_TOKEN}=${traceId} ms=0.8`;
    expect(new RegExp(field.matcherRegex).exec(line)?.[1]).toBe(traceId);
    // After Grafana's env expansion the link is the data-link variable of the matched value.
    expect(grafanaProvisioningExpand(stringify(field.url).trim())).toBe('${__value.raw}');
  });

  test('Tempo links spans to Loki (by trace id, service, namespace and pod) and to Prometheus', () => {
    const toLogs = tempo.jsonData.tracesToLogs as Record<string, unknown>;
    expect(toLogs).toMatchObject({ datasourceUid: 'loki', filterByTraceID: true });
    expect(toLogs.mappedTags).toEqual([
      { key: 'service.name', value: 'app' },
      { key: 'k8s.namespace.name', value: 'namespace' },
      { key: 'k8s.pod.name', value: 'pod' },
    ]);
    expect(tempo.jsonData.tracesToLogsV2).toMatchObject({ datasourceUid: 'loki', filterByTraceID: true });
    const toMetrics = tempo.jsonData.tracesToMetrics as { datasourceUid: string; queries: { query: string }[] };
    expect(toMetrics.datasourceUid).toBe('prometheus');
    // `$__tags` must survive Grafana's env expansion of the provisioning file.
    for (const q of toMetrics.queries) expect(grafanaProvisioningExpand(q.query)).toContain('{$__tags}');
    expect(tempo.jsonData.serviceMap).toEqual({ datasourceUid: 'prometheus' });
    expect(tempo.jsonData.nodeGraph).toEqual({ enabled: true });
  });

  test('no `$` in the provisioning file expands to an environment variable by accident', () => {
    const text = stringify({ apiVersion: 1, datasources: grafanaDatasources(endpoints) });
    expect(grafanaProvisioningExpand(text, { __tags: 'LEAK', __value: 'LEAK' })).not.toContain('LEAK');
  });

  test.each([
    ['prometheusUrl', 'prometheus-server:80', /prometheusUrl "prometheus-server:80" (is not an absolute URL|must use http)/],
    ['lokiUrl', '', /lokiUrl "" is not an absolute URL/],
    ['tempoUrl', 'ftp://tempo:3100', /tempoUrl "ftp:\/\/tempo:3100" must use http or https/],
  ])('rejects a bad %s with a clear message', (field, value, message) => {
    expect(() => grafanaDatasources({ ...endpoints, [field]: value })).toThrow(message);
  });
});
