import { profileDir } from '../../lib/profiles';
import { UsageError } from '../../model-service/src/cli/flags';
import { forwardedPort, parseCheckStackArgs, portForwardCommand } from '../../verify/check-stack-args';
import {
  CHECK_CLIENT_SERVICE, clientSpanExport, derivedTraceId, inNamespace, readSynthesized, serviceRefOf, tempoSearchParams, tracesPanelSearchParams, tracesToLogsQuery,
} from '../../verify/stack-checks';

const URLS = ['--service', 'http://node:30010', '--prometheus', 'http://127.0.0.1:9090/', '--loki', 'http://l:3100', '--tempo', 'https://t'];

describe('npm run check:stack arguments', () => {
  test('four URLs: used as given (without a trailing slash), no kubectl', () => {
    expect(parseCheckStackArgs(URLS)).toEqual({
      help: false,
      urls: { service: 'http://node:30010', prometheus: 'http://127.0.0.1:9090', loki: 'http://l:3100', tempo: 'https://t' },
      profile: 'current',
      namespace: undefined,
      timeoutMs: 120_000,
    });
  });

  test('--profile names the synthesized stack that was deployed; an unknown one is a usage error', () => {
    expect(parseCheckStackArgs([...URLS, '--profile', 'reference']).profile).toBe('reference');
    expect(() => parseCheckStackArgs([...URLS, '--profile', 'latest'])).toThrow(new UsageError('--profile: "latest" is not a stack profile; use one of "current", "reference".'));
  });

  test('--context: port-forward for every endpoint not given as a URL; --namespace, --kubectl, --timeout', () => {
    const args = parseCheckStackArgs(['--context', 'prod', '--namespace', 'obs', '--kubectl', '/opt/kubectl', '--timeout', '30', '--service', 'http://node:30010']);
    expect(args).toEqual({
      help: false,
      urls: { service: 'http://node:30010' },
      profile: 'current',
      namespace: 'obs',
      kubernetes: { context: 'prod', kubectl: '/opt/kubectl' },
      timeoutMs: 30_000,
    });
  });

  test.each([
    [['--service', 'http://s'], /missing --prometheus, --loki, --tempo \(or give --context/],
    [[...URLS, '--kubectl', 'k'], /--kubectl needs --context/],
    [['--context', ''], /--context must name a kubectl context/],
    [['--context', 'c', '--namespace', 'Bad_NS'], /--namespace "Bad_NS" is not a Kubernetes namespace name/],
    [[...URLS.slice(0, 6), '--tempo', 'tempo:3100'], /--tempo must be an http\(s\) URL, got "tempo:3100"/],
    [[...URLS, '--timeout', '0'], /--timeout must be greater than 0/],
    [[...URLS, '--timeout', 'soon'], /--timeout must be a number/],
    [[...URLS, '--grafana', 'http://g'], /Unknown option '--grafana'/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseCheckStackArgs(argv)).toThrow(UsageError);
    expect(() => parseCheckStackArgs(argv)).toThrow(message);
  });

  test('--help needs nothing else', () => {
    expect(parseCheckStackArgs(['-h']).help).toBe(true);
  });
});

describe('kubectl port-forward', () => {
  const stack = readSynthesized(profileDir('reference'));

  test('the Services are the ones the synthesized stack names: the Grafana datasource URLs and the model service', () => {
    expect(stack.services).toEqual({
      service: { namespace: 'technical-observability-for-ml', name: 'model-service', port: 3010 },
      prometheus: { namespace: 'technical-observability-for-ml', name: 'prometheus-server', port: 80 },
      loki: { namespace: 'technical-observability-for-ml', name: 'loki-read', port: 3100 },
      tempo: { namespace: 'technical-observability-for-ml', name: 'tempo', port: 3100 },
      // Where the service exports its spans (its ConfigMap's OTEL_EXPORTER_OTLP_ENDPOINT): the checks' client span goes there too.
      otlp: { namespace: 'technical-observability-for-ml', name: 'tempo', port: 4318 },
    });
  });

  test('one loopback-only forward per Service, on a port kubectl picks, in the stack\'s (or --namespace\'s) namespace', () => {
    const kubernetes = { context: 'prod', kubectl: 'kubectl' };
    expect(portForwardCommand(kubernetes, stack.services.loki)).toEqual({
      command: 'kubectl',
      args: ['--context', 'prod', '--namespace', 'technical-observability-for-ml', 'port-forward', 'service/loki-read', ':3100', '--address', '127.0.0.1'],
    });
    const moved = inNamespace(stack, 'obs');
    expect(moved.namespace).toBe('obs');
    expect(portForwardCommand(kubernetes, moved.services.prometheus).args).toEqual(
      ['--context', 'prod', '--namespace', 'obs', 'port-forward', 'service/prometheus-server', ':80', '--address', '127.0.0.1'],
    );
  });

  test('the local port is read from kubectl\'s output', () => {
    expect(forwardedPort('Forwarding from 127.0.0.1:43127 -> 3100\n')).toBe(43127);
    expect(forwardedPort('error: unable to forward port')).toBeUndefined();
  });

  test('a datasource URL that is not an in-cluster Service is refused with its value', () => {
    expect(serviceRefOf('http://tempo.obs.svc.cluster.local:3100')).toEqual({ namespace: 'obs', name: 'tempo', port: 3100 });
    expect(() => serviceRefOf('http://grafana.example.com')).toThrow('http://grafana.example.com is not an in-cluster Service address');
  });
});

describe('the queries Grafana 9.3 would send', () => {
  test('traces to logs: mapped tags the span has, then the trace id filter', () => {
    const settings = { mappedTags: [{ key: 'service.name', value: 'app' }, { key: 'k8s.pod.name', value: 'pod' }, { key: 'k8s.node.name' }], filterByTraceID: true };
    expect(tracesToLogsQuery(settings, { 'service.name': 'model-service', 'k8s.pod.name': 'p-1' }, 'abc'))
      .toBe('{app="model-service", pod="p-1"} |="abc"');
  });

  test('traces to logs, Grafana 10+ custom query: the mapped tags and the span\'s trace id filled in', () => {
    const settings = { tags: [{ key: 'service.name', value: 'app' }, { key: 'k8s.namespace.name', value: 'namespace' }], customQuery: true, query: '{$${__tags}} | trace_id="$${__span.traceId}"' };
    expect(tracesToLogsQuery(settings, { 'service.name': 'model-service', 'k8s.namespace.name': 'obs' }, 'abc'))
      .toBe('{app="model-service", namespace="obs"} | trace_id="abc"');
  });

  test('the derived field: a regex over the line, or (matcherType label) the structured-metadata label', () => {
    const line = '{"msg":"POST /predict 200 trace=4bf92f3577b34da6a3ce929d0e0e4736"}';
    expect(derivedTraceId({ matcherRegex: '(?:trace)=(\\w+)' }, line, {})).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(derivedTraceId({ matcherType: 'label', matcherRegex: 'trace_id' }, line, { trace_id: 'from-metadata' })).toBe('from-metadata');
    expect(derivedTraceId({ matcherType: 'label', matcherRegex: 'trace_id' }, line, {})).toBeUndefined();
  });

  test('the Traces panel\'s native search: a logfmt tags filter, the limit, the range in seconds', () => {
    expect(Object.fromEntries(tempoSearchParams({ serviceName: 'model-service', limit: 20 }, 1_000_500, 2_000_000))).toEqual({
      tags: 'service.name=model-service', limit: '20', start: '1000', end: '2000',
    });
    expect(tempoSearchParams({ serviceName: 'model service', spanName: 'POST /predict' }, 0, 0).get('tags')).toBe('service.name="model service" name="POST /predict"');
  });
});

describe('the traced client and the Traces panel\'s search', () => {
  test('the client span is the parent of the traced request: same trace, the traceparent\'s span id, kind CLIENT, no field Tempo 2.0 refuses', () => {
    const body = clientSpanExport({ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8) }, { url: 'http://127.0.0.1:3010/predict', startMs: 1000, endMs: 1250, status: 200 }) as {
      resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: Record<string, unknown>[] }[] }[];
    };
    expect(body.resourceSpans[0].resource.attributes).toEqual([{ key: 'service.name', value: { stringValue: CHECK_CLIENT_SERVICE } }]);
    const span = body.resourceSpans[0].scopeSpans[0].spans[0];
    expect(span).toMatchObject({ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), kind: 3, startTimeUnixNano: '1000000000', endTimeUnixNano: '1250000000' });
    expect(span).not.toHaveProperty('flags');
    expect(span).not.toHaveProperty('parentSpanId');
  });

  test('a TraceQL panel is searched with q=, a nativeSearch panel with logfmt tags=', () => {
    const traceql = tracesPanelSearchParams({ queryType: 'traceql', query: '{ name = "POST /predict" }', limit: 20 }, 10_500, 20_100);
    expect(Object.fromEntries(traceql)).toEqual({ q: '{ name = "POST /predict" }', limit: '20', start: '10', end: '21' });
    const native = tracesPanelSearchParams({ queryType: 'nativeSearch', serviceName: 'model-service', spanName: 'POST /predict' }, 10_500, 20_100);
    expect(Object.fromEntries(native)).toEqual(Object.fromEntries(tempoSearchParams({ serviceName: 'model-service', spanName: 'POST /predict' }, 10_500, 20_100)));
  });
});
