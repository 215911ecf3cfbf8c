/**
 * The checks that one request travels through all three pillars of a running stack, with the
 * queries Grafana would send: used by the end-to-end test (test/e2e/, local backends) and by
 * `npm run check:stack` (a deployed stack). Everything the checks query with comes from what
 * `npm run synth` wrote: the dashboard from the dashboards ConfigMap in dist/observability.k8s.yaml,
 * the datasource settings (exemplar label, derived-field regex, traces-to-logs tag mapping) from
 * the grafana values in dist/helm/values/.
 *
 * What happens: a short burst of requests (documents, and two empty ones answered 400, so every
 * Traffic / Errors panel has something to show), one scrape interval of quiet, then one
 * `POST /predict` carrying a known W3C `traceparent`. Then, in parallel until each passes or
 * the time is up:
 *  - Prometheus: the request series, an exemplar with that trace id, the rules loaded and healthy;
 *  - Tempo: the trace by id with the service's spans, and the Traces panel's search finding it;
 *  - Loki: the Logs panel's query returning the request's line, the derived field's regex
 *    extracting the same trace id from it, and the traces-to-logs query Grafana builds from the
 *    trace's attributes returning it too;
 *  - every PromQL query of the dashboard (panels, variables, annotations) returning data, except
 *    the few that are empty on a healthy service (listed in EXPECTED_EMPTY);
 *  - when the tempo values turn Tempo's metrics generator on: its span metrics in Prometheus.
 *
 * On a busy service the exemplar check can miss: the client keeps one exemplar per histogram
 * bucket, so another request in the same bucket before the next scrape replaces the traced one.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { formatTable } from '../model-service/src/cli/table';
import { describeFetchError } from '../model-service/src/cli/fetch-errors';
import { INFERENCE_STAGES, METRICS, ROUTES } from 'model-service/contract';
import { VariableValues, prometheusQueries, substitute } from './dashboard-queries';

export interface StackEndpoints {
  readonly service: string;
  readonly prometheus: string;
  readonly loki: string;
  readonly tempo: string;
  /**
   * The OTLP/HTTP receiver the service exports its spans to. With it the traced request is sent as
   * a traced client would send it: the checks export their own client span there, the parent of the
   * service's server span, which gives Tempo's service graph an edge to check.
   * @default - no client span, no edge check
   */
  readonly otlp?: string;
}

/** The `service.name` of the checks' client span, the client end of the service-graph edge. */
export const CHECK_CLIENT_SERVICE = 'check-stack';

/** A Service the synthesized stack addresses: what `kubectl port-forward` needs. */
export interface ServiceRef {
  readonly namespace: string;
  readonly name: string;
  readonly port: number;
}

interface Datasource {
  readonly type: 'prometheus' | 'loki' | 'tempo';
  readonly url: string;
  readonly jsonData: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** What the checks need from `npm run synth`'s output. */
export interface SynthesizedStack {
  readonly namespace: string;
  readonly appName: string;
  readonly dashboard: Record<string, unknown>;
  readonly datasources: Readonly<Record<'prometheus' | 'loki' | 'tempo', Datasource>>;
  /** The in-cluster Services of each endpoint (the datasource URLs, the model service's Service, its OTLP endpoint). */
  readonly services: Readonly<Record<keyof StackEndpoints, ServiceRef>>;
  /** Whether Tempo's metrics generator is on (tempo values), so span metrics must reach Prometheus. */
  readonly spanMetrics: boolean;
}

/** Parses `http://<name>.<namespace>.svc[:port]`. */
export function serviceRefOf(url: string): ServiceRef {
  const parsed = new URL(url);
  const match = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc(?:\.cluster\.local)?$/.exec(parsed.hostname);
  if (!match) throw new Error(`${url} is not an in-cluster Service address (<name>.<namespace>.svc)`);
  return { name: match[1], namespace: match[2], port: Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80)) };
}

/** Reads one profile's synth output, `dist/<profile>/` (see the file comment). */
export function readSynthesized(distDir: string): SynthesizedStack {
  const manifestsFile = path.join(distDir, 'observability.k8s.yaml');
  const objects = parseAllDocuments(readFileSync(manifestsFile, 'utf8')).map((d) => d.toJS()).filter(Boolean) as {
    kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; data?: Record<string, string>;
    spec?: { ports?: { port: number }[] };
  }[];
  // Where the service exports its spans: the OTLP endpoint its ConfigMap gives it.
  const otlpUrl = objects.filter((o) => o.kind === 'ConfigMap').map((o) => o.data?.OTEL_EXPORTER_OTLP_ENDPOINT).find(Boolean);
  if (!otlpUrl) throw new Error(`${manifestsFile} gives the model service no OTEL_EXPORTER_OTLP_ENDPOINT`);
  // Grafana's dashboards ConfigMap: the .json entries that are dashboards (the service's config.json is not).
  const dashboards = objects
    .filter((o) => o.kind === 'ConfigMap')
    .flatMap((o) => Object.entries(o.data ?? {}).filter(([key]) => key.endsWith('.json')).map(([, text]) => JSON.parse(text) as Record<string, unknown>))
    .filter((d) => Array.isArray(d.panels));
  if (dashboards.length === 0) throw new Error(`${manifestsFile} has no dashboards ConfigMap`);
  // The model service's own Service is named after the app (its headless `<app>-peers` twin carries the same labels).
  const service = objects.find((o) => o.kind === 'Service' && o.metadata.labels?.['app.kubernetes.io/component'] === 'inference'
    && o.metadata.name === o.metadata.labels?.['app.kubernetes.io/name']);
  if (!service?.metadata.namespace) throw new Error(`${manifestsFile} has no model service Service`);
  const appName = service.metadata.labels!['app.kubernetes.io/name'];
  const dashboard = dashboards.find((d) => JSON.stringify(d).includes(`app=\\"${appName}\\"`)) ?? dashboards[0];

  const grafanaValues = parse(readFileSync(path.join(distDir, 'helm', 'values', 'grafana.yaml'), 'utf8')) as {
    datasources: { 'datasources.yaml': { datasources: Datasource[] } };
  };
  const list = grafanaValues.datasources['datasources.yaml'].datasources;
  const byType = (type: Datasource['type']): Datasource => {
    const found = list.find((d) => d.type === type);
    if (!found) throw new Error(`the grafana values provision no ${type} datasource`);
    return found;
  };
  const datasources = { prometheus: byType('prometheus'), loki: byType('loki'), tempo: byType('tempo') };
  const tempoValues = parse(readFileSync(path.join(distDir, 'helm', 'values', 'tempo.yaml'), 'utf8')) as { tempo?: { metricsGenerator?: { enabled?: boolean } } };
  return {
    spanMetrics: tempoValues.tempo?.metricsGenerator?.enabled === true,
    namespace: service.metadata.namespace,
    appName,
    dashboard,
    datasources,
    services: {
      service: { namespace: service.metadata.namespace, name: service.metadata.name, port: service.spec!.ports![0].port },
      prometheus: serviceRefOf(datasources.prometheus.url),
      loki: serviceRefOf(datasources.loki.url),
      tempo: serviceRefOf(datasources.tempo.url),
      otlp: serviceRefOf(otlpUrl),
    },
  };
}

/** The same stack installed in another namespace (`--namespace`): the label the queries select and where its Services are. */
export function inNamespace(stack: SynthesizedStack, namespace: string | undefined): SynthesizedStack {
  if (namespace === undefined || namespace === stack.namespace) return stack;
  const move = (ref: ServiceRef): ServiceRef => (ref.namespace === stack.namespace ? { ...ref, namespace } : ref);
  const services = stack.services;
  return {
    ...stack,
    namespace,
    services: {
      service: move(services.service), prometheus: move(services.prometheus), loki: move(services.loki), tempo: move(services.tempo), otlp: move(services.otlp),
    },
  };
}

export interface CheckRow {
  readonly signal: string;
  readonly check: string;
  readonly query: string;
  readonly ok: boolean;
  readonly result: string;
  /** From the traced request to the first passing answer; undefined when it never passed. */
  readonly ms?: number;
}

export interface StackCheckOptions {
  /** How long each signal may take to appear. @default 60 s */
  readonly timeoutMs?: number;
  /** Documents for the burst. @default a few built-in sentences */
  readonly documents?: readonly string[];
  /** Requests in the burst. @default 20 */
  readonly burst?: number;
  /** Quiet time between the burst and the traced request: one scrape of the 2 s job; more than 1 s (see the Traces check). @default 2500 */
  readonly scrapeGapMs?: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

/** Panels whose query is empty on a healthy service: nothing shed, no alert firing. */
export const EXPECTED_EMPTY: Readonly<Record<string, string>> = {
  'Shed requests per second': 'nothing is shed on a healthy service',
  'annotation Firing alerts': 'no alert fires on a healthy service',
};

/**
 * Panels that stay empty until the service has had enough traffic to fill its drift window
 * (driftMinPredictions) or has received ground truth (POST /feedback): normal on a freshly
 * deployed stack, and not something the checks may fake (a check sending labels would pollute
 * the live accuracy). Reported, not failed; the integration test fills them and requires data.
 */
export const AWAITING_TRAFFIC: Readonly<Record<string, string>> = {
  'Drift per signal (PSI ÷ alert threshold)': 'needs a full drift window',
  'Drift per signal (Jensen–Shannon distance)': 'needs a full drift window',
  'Drift (largest PSI) by model version': 'needs a full drift window',
  'Accuracy of labelled predictions': 'needs feedback',
  'Recall per class (1 h)': 'needs feedback',
  'Feedback coverage and losses': 'needs feedback',
};

const DEFAULT_DOCUMENTS = [
  'My engine needs new spark plugs and the dealer wants too much for the service.',
  'The goalie stopped every shot in the third period and the team won the playoff game.',
  'I replaced the chain and sprockets on my motorcycle before the long ride.',
  'The pitcher threw a no-hitter and the bullpen was never needed.',
];

/**
 * A random sampled W3C trace context whose trace id has no leading zero (Tempo's search answers ids
 * without them); `spanId` is the caller's span, the parent of the service's server span.
 */
export function newTraceContext(): { traceId: string; spanId: string; traceparent: string } {
  let traceId = randomBytes(16).toString('hex');
  if (traceId.startsWith('0')) traceId = `1${traceId.slice(1)}`;
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

/**
 * The checks' client span as OTLP/JSON: kind CLIENT, around the traced request. Only fields every
 * Tempo reads (Tempo 2.0 refuses unknown ones such as span `flags`), ids in hex as OTLP/JSON has them.
 */
export function clientSpanExport(context: { traceId: string; spanId: string }, request: { url: string; startMs: number; endMs: number; status: number }): unknown {
  const attribute = (key: string, value: string | number) =>
    ({ key, value: typeof value === 'number' ? { intValue: String(value) } : { stringValue: value } });
  const url = new URL(request.url);
  return {
    resourceSpans: [{
      resource: { attributes: [attribute('service.name', CHECK_CLIENT_SERVICE)] },
      scopeSpans: [{
        scope: { name: CHECK_CLIENT_SERVICE },
        spans: [{
          traceId: context.traceId,
          spanId: context.spanId,
          name: 'POST',
          kind: 3,
          startTimeUnixNano: `${request.startMs}000000`,
          endTimeUnixNano: `${request.endMs}000000`,
          attributes: [
            attribute('http.request.method', 'POST'), attribute('url.full', request.url),
            attribute('server.address', url.hostname), attribute('http.response.status_code', request.status),
          ],
          status: {},
        }],
      }],
    }],
  };
}

/** fetch with a 10 s bound whose network failures name the address and the reason, not just "fetch failed". */
async function fetchOrExplain(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new Error(`cannot reach ${url.split('?')[0]}: ${describeFetchError(error)}`);
  }
}

async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetchOrExplain(url, init);
  const text = await response.text();
  if (!response.ok) throw new Error(`${response.status} from ${url.split('?')[0]}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

async function promql(prometheus: string, query: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const body = await getJson<{ data: { resultType: string; result: unknown } }>(`${prometheus}/api/v1/query?${new URLSearchParams({ query })}`);
  if (body.data.resultType === 'scalar') return [{ metric: {}, value: body.data.result as [number, string] }];
  return body.data.result as { metric: Record<string, string>; value: [number, string] }[];
}

/** A stream of a Loki answer; with `categorize-labels`, each value carries its structured metadata. */
interface LokiStream { stream: Record<string, string>; values: [string, string, { structuredMetadata?: Record<string, string> }?][] }

async function logql(loki: string, query: string, startMs: number, limit: number, headers: Record<string, string> = {}): Promise<LokiStream[]> {
  const params = new URLSearchParams({ query, start: `${startMs}000000`, end: `${Date.now() + 60_000}000000`, limit: String(limit), direction: 'backward' });
  const body = await getJson<{ data: { result: LokiStream[] } }>(`${loki}/loki/api/v1/query_range?${params}`, { headers });
  return body.data.result;
}

interface OtlpAttribute { key: string; value: { stringValue?: string } }
interface TempoSpan { name: string; startTimeUnixNano: string; endTimeUnixNano: string }
interface TempoBatch {
  resource?: { attributes?: OtlpAttribute[] };
  scopeSpans?: { spans?: TempoSpan[] }[];
  instrumentationLibrarySpans?: { spans?: TempoSpan[] }[];
}

function spansOf(batch: TempoBatch): TempoSpan[] {
  return [...(batch.scopeSpans ?? []), ...(batch.instrumentationLibrarySpans ?? [])].flatMap((s) => s.spans ?? []);
}

/** The Tempo datasource's traces-to-logs settings in either shape Grafana reads. */
export interface TracesToLogsSettings {
  /** Grafana 9.x (`tracesToLogs`). */
  readonly mappedTags?: readonly { key: string; value?: string }[];
  readonly filterByTraceID?: boolean;
  /** Grafana 10+ (`tracesToLogsV2`). */
  readonly tags?: readonly { key: string; value?: string }[];
  readonly customQuery?: boolean;
  readonly query?: string;
}

/**
 * The Loki query Grafana builds for "Logs for this span" from the Tempo datasource's settings:
 * the mapped tags looked up in the span's resource attributes, then, in Grafana 9.3's
 * `tracesToLogs`, `|="<trace id>"` when filterByTraceID is on, or in Grafana 10+'s
 * `tracesToLogsV2` with a custom query, that query with `${__tags}` and `${__span.traceId}`
 * filled in (`$$` in provisioned settings is an escaped `$`).
 */
export function tracesToLogsQuery(settings: TracesToLogsSettings, attributes: Readonly<Record<string, string>>, traceId: string): string {
  const matchers = (settings.tags ?? settings.mappedTags ?? [])
    .filter((t) => attributes[t.key] !== undefined)
    .map((t) => `${t.value || t.key}="${attributes[t.key]}"`)
    .join(', ');
  if (settings.customQuery && settings.query) {
    return settings.query.replace(/\$\$/g, '$').replace(/\$\{__tags\}/g, matchers).replace(/\$\{__span\.traceId\}/g, traceId);
  }
  return `{${matchers}}${settings.filterByTraceID ? ` |="${traceId}"` : ''}`;
}

/**
 * The trace id Grafana's Loki derived field finds for a log line: the regex's first group over the
 * line (`matcherType` regex, the default), or the value of the named label (`matcherType: label`;
 * Loki 3 returns a line's structured metadata, such as `trace_id`, among its stream's labels).
 */
export function derivedTraceId(field: { matcherRegex: string; matcherType?: string }, line: string, labels: Readonly<Record<string, string>>): string | undefined {
  if (field.matcherType === 'label') return labels[field.matcherRegex];
  return new RegExp(field.matcherRegex).exec(line)?.[1];
}

/** Grafana 9.3's `nativeSearch` request for a Tempo query with a service name: a logfmt `tags` filter. */
export function tempoSearchParams(target: { serviceName?: string; spanName?: string; limit?: number }, startMs: number, endMs: number): URLSearchParams {
  const tags = [
    target.serviceName ? `service.name=${logfmtValue(target.serviceName)}` : undefined,
    target.spanName ? `name=${logfmtValue(target.spanName)}` : undefined,
  ].filter(Boolean).join(' ');
  return new URLSearchParams({ tags, limit: String(target.limit ?? 20), start: String(Math.floor(startMs / 1000)), end: String(Math.ceil(endMs / 1000)) });
}

function logfmtValue(value: string): string {
  return /[\s="]/.test(value) ? JSON.stringify(value) : value;
}

interface PanelTarget { expr?: string; query?: string; datasource?: { type?: string }; serviceName?: string; spanName?: string; limit?: number; queryType?: string }

/**
 * The `/api/search` request Grafana's Tempo datasource sends for a panel's query: a TraceQL query
 * (`traceql`, Grafana 10+) as `q`, or Grafana 9.3's `nativeSearch` as logfmt `tags`.
 */
export function tracesPanelSearchParams(target: PanelTarget, startMs: number, endMs: number): URLSearchParams {
  if (target.queryType !== 'traceql') return tempoSearchParams(target, startMs, endMs);
  return new URLSearchParams({ q: target.query ?? '{}', limit: String(target.limit ?? 20), start: String(Math.floor(startMs / 1000)), end: String(Math.ceil(endMs / 1000)) });
}

function panelTargets(dashboard: Record<string, unknown>, type: string): { title: string; target: PanelTarget }[] {
  return ((dashboard.panels ?? []) as { title?: string; targets?: PanelTarget[] }[]).flatMap((p) =>
    (p.targets ?? []).filter((t) => t.datasource?.type === type).map((target) => ({ title: p.title ?? '', target })));
}

/** Sends the burst and the traced request, then runs every check; resolves with one row per check. */
export async function runStackChecks(endpoints: StackEndpoints, stack: SynthesizedStack, options: StackCheckOptions = {}): Promise<CheckRow[]> {
  const log = options.log ?? (() => undefined);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const documents = options.documents?.length ? options.documents : DEFAULT_DOCUMENTS;
  const { appName, namespace } = stack;
  const started = Date.now();
  const rows: CheckRow[] = [];

  // --- traffic
  const predict = async (body: string, headers: Record<string, string> = {}) => {
    const response = await fetchOrExplain(`${endpoints.service}${ROUTES.predict}`, {
      method: 'POST', headers: { 'content-type': 'text/plain', ...headers }, body,
    });
    await response.arrayBuffer();
    return response.status;
  };
  const burst = options.burst ?? 20;
  log(`sending ${burst} documents and 2 empty ones to ${endpoints.service}${ROUTES.predict}`);
  try {
    const statuses: number[] = [];
    for (let i = 0; i < burst; i++) statuses.push(await predict(documents[i % documents.length]));
    statuses.push(await predict(''), await predict(''));
    const expected = [...Array(burst).fill(200), 400, 400];
    rows.push({ signal: 'service', check: 'burst answered', query: `POST ${ROUTES.predict} x${burst + 2}`, ok: statuses.join() === expected.join(), result: summariseCounts(statuses) });
  } catch (error) {
    rows.push({ signal: 'service', check: 'burst answered', query: `POST ${ROUTES.predict}`, ok: false, result: (error as Error).message });
    return rows;
  }
  await new Promise((r) => setTimeout(r, Math.max(1_100, options.scrapeGapMs ?? 2_500)));
  const traceContext = newTraceContext();
  const { traceId, traceparent } = traceContext;
  const t0 = Date.now();
  const status = await predict(documents[0], { traceparent }).catch((error: Error) => error.message);
  rows.push({ signal: 'service', check: 'traced request', query: `POST ${ROUTES.predict} traceparent ${traceparent}`, ok: status === 200, result: String(status) });
  if (status !== 200) return rows;
  if (endpoints.otlp) {
    const exported = await fetch(`${endpoints.otlp}/v1/traces`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(10_000),
      body: JSON.stringify(clientSpanExport(traceContext, { url: `${endpoints.service}${ROUTES.predict}`, startMs: t0, endMs: Date.now(), status })),
    }).then(async (r) => (r.ok ? 'accepted' : `${r.status} ${(await r.text()).slice(0, 200)}`), (error: Error) => error.message);
    rows.push({ signal: 'traces', check: 'client span exported (the traced caller)', query: `POST ${endpoints.otlp}/v1/traces`, ok: exported === 'accepted', result: exported });
  }
  log(`traced request sent, trace id ${traceId}; waiting for it in Prometheus, Tempo and Loki`);

  const selector = `app="${appName}", namespace="${namespace}"`;
  const prometheusDs = stack.datasources.prometheus.jsonData;
  const exemplarLabel: string = prometheusDs.exemplarTraceIdDestinations?.[0]?.name ?? 'trace_id';
  const lokiDs = stack.datasources.loki.jsonData;
  const derivedField = (lokiDs.derivedFields ?? [])[0] as { name: string; matcherRegex: string; matcherType?: string } | undefined;
  const tempoDs = stack.datasources.tempo.jsonData;
  const variableValues = { namespace, pod: '.*', interval: '1m' };
  const logsPanel = panelTargets(stack.dashboard, 'loki')[0];
  const tracesPanel = panelTargets(stack.dashboard, 'tempo')[0];
  const requestLine: { line?: string; labels?: Record<string, string> } = {};
  const traceAttributes: { value?: Record<string, string>; startMs?: number; endMs?: number } = {};

  const poll = async (signal: string, check: string, query: string, probe: () => Promise<{ ok: boolean; result: string }>): Promise<CheckRow> => {
    const deadline = t0 + timeoutMs;
    let last = { ok: false, result: 'no answer' };
    for (;;) {
      try {
        last = await probe();
      } catch (error) {
        last = { ok: false, result: (error as Error).message };
      }
      if (last.ok) return { signal, check, query, ok: true, result: last.result, ms: Date.now() - t0 };
      if (Date.now() > deadline) return { signal, check, query, ok: false, result: last.result };
      await new Promise((r) => setTimeout(r, 500));
    }
  };

  const requestSeries = `${METRICS.httpRequestsTotal.name}{${selector}, route="${ROUTES.predict}", status_code="200"}`;
  const exemplarSelector = `${METRICS.httpRequestDurationSeconds.name}_bucket{${selector}, route="${ROUTES.predict}"}`;
  const expectedSpans = ['preprocess', ...INFERENCE_STAGES];

  const metricsChecks = [
    poll('metrics', 'request series, labelled by the scrape job', requestSeries, async () => {
      const result = await promql(endpoints.prometheus, requestSeries);
      const pods = result.map((s) => s.metric.pod).filter(Boolean);
      const total = result.reduce((sum, s) => sum + Number(s.value[1]), 0);
      return { ok: result.length > 0 && pods.length === result.length && total >= burst + 1, result: `${result.length} series (pod ${[...new Set(pods)].join(', ') || 'missing'}), ${total} requests` };
    }),
    poll('metrics', `exemplar with ${exemplarLabel}`, `exemplars of ${exemplarSelector}`, async () => {
      const end = Date.now() / 1000;
      const params = new URLSearchParams({ query: exemplarSelector, start: String(end - 600), end: String(end + 60) });
      const body = await getJson<{ data: { exemplars: { labels: Record<string, string> }[] }[] }>(`${endpoints.prometheus}/api/v1/query_exemplars?${params}`);
      const ids = body.data.flatMap((s) => s.exemplars.map((e) => e.labels[exemplarLabel]));
      return { ok: ids.includes(traceId), result: ids.includes(traceId) ? `${exemplarLabel}=${traceId}` : `${ids.length} exemplars, none with this trace id` };
    }),
  ];

  const traceById = poll('traces', 'trace by id (exemplar, derived-field links)', `GET /api/traces/${traceId}`, async () => {
    const body = await getJson<{ batches?: TempoBatch[] }>(`${endpoints.tempo}/api/traces/${traceId}`, { headers: { accept: 'application/json' } });
    // The service's own batches: the trace also holds the checks' client span, of another service.
    const serviceName = (b: TempoBatch) => b.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue;
    const batches = (body.batches ?? []).filter((b) => serviceName(b) === appName);
    const spans = batches.flatMap(spansOf);
    const names = spans.map((s) => s.name);
    const missing = expectedSpans.filter((n) => !names.includes(n));
    const attributes: Record<string, string> = {};
    for (const a of batches[0]?.resource?.attributes ?? []) if (a.value.stringValue !== undefined) attributes[a.key] = a.value.stringValue;
    traceAttributes.value = attributes;
    traceAttributes.startMs = Math.min(...spans.map((s) => Number(BigInt(s.startTimeUnixNano) / 1_000_000n)));
    traceAttributes.endMs = Math.max(...spans.map((s) => Number(BigInt(s.endTimeUnixNano) / 1_000_000n)));
    return {
      ok: missing.length === 0 && attributes['service.name'] === appName,
      result: missing.length === 0 ? `${spans.length} spans (${[...new Set(names)].join(', ')}), service.name=${attributes['service.name']}` : `missing spans: ${missing.join(', ')}`,
    };
  });

  const searchParams = tracesPanelSearchParams(tracesPanel?.target ?? {}, t0, t0);
  const searchQuery = searchParams.has('q') ? `q=${searchParams.get('q')}` : `tags=${searchParams.get('tags')}`;
  const traceSearch = poll('traces', `search (Traces panel "${tracesPanel?.title}")`, `GET /api/search?${searchQuery}`, async () => {
    if (!tracesPanel) return { ok: false, result: 'the dashboard has no Tempo panel' };
    // Over the dashboard zoomed to the traced request: from its second on. Tempo 2.0 answers the
    // first `limit` matches in the range, not the newest, so over the last hour the traced request
    // is one of many (the burst, earlier runs) and may be left out. The burst ends at least
    // scrapeGapMs (> 1 s) earlier, so it falls in an earlier second.
    const params = tracesPanelSearchParams(tracesPanel.target, Math.floor(t0 / 1000) * 1000, Date.now() + 60_000);
    const body = await getJson<{ traces?: { traceID: string; rootTraceName?: string }[] }>(`${endpoints.tempo}/api/search?${params}`);
    const traces = body.traces ?? [];
    const ids = traces.map((t) => t.traceID.padStart(32, '0'));
    const roots = summariseCounts(traces.map((t) => t.rootTraceName ?? '?'));
    return { ok: ids.includes(traceId), result: `${ids.includes(traceId) ? 'found' : 'not found'} among ${ids.length} traces (${roots})` };
  });

  const logsPanelQuery = logsPanel ? substitute(logsPanel.target.expr ?? '', variableValues) : '';
  const logsChecks = [
    poll('logs', `request line (Logs panel "${logsPanel?.title}")`, logsPanelQuery, async () => {
      if (!logsPanel) return { ok: false, result: 'the dashboard has no Loki panel' };
      const streams = await logql(endpoints.loki, logsPanelQuery, t0 - 60_000, lokiDs.maxLines ?? 1000);
      for (const s of streams) {
        const found = s.values.find(([, line]) => line.includes(traceId));
        if (found) {
          requestLine.line = found[1];
          requestLine.labels = s.stream;
          const labels = ['app', 'namespace', 'pod', 'container'].map((l) => `${l}=${s.stream[l] ?? '(missing)'}`).join(' ');
          return { ok: ['app', 'namespace', 'pod', 'container'].every((l) => s.stream[l]), result: `line found; stream ${labels}` };
        }
      }
      return { ok: false, result: `${streams.reduce((n, s) => n + s.values.length, 0)} lines, none with this trace id` };
    }),
  ];

  metricsChecks.push(poll('metrics', 'alerting and recording rules loaded', 'GET /api/v1/rules', async () => {
    const body = await getJson<{ data: { groups: { rules: { name: string; type: string; health: string; lastError?: string }[] }[] } }>(`${endpoints.prometheus}/api/v1/rules`);
    const rules = body.data.groups.flatMap((g) => g.rules);
    const broken = rules.filter((r) => r.health === 'err').map((r) => `${r.name}: ${r.lastError}`);
    const alerting = rules.filter((r) => r.type === 'alerting').length;
    return {
      ok: alerting > 0 && broken.length === 0,
      result: broken.length > 0 ? `failing: ${broken.join('; ')}` : `${alerting} alerting, ${rules.length - alerting} recording, none failing`,
    };
  }));

  // Tempo's metrics generator remote-writes span metrics (Tempo 2.0 names) into Prometheus.
  const spanMetricsQuery = `sum by (span_name) (traces_spanmetrics_calls_total{service="${appName}"})`;
  if (stack.spanMetrics) {
    metricsChecks.push(poll('metrics', 'span metrics from Tempo\'s metrics generator', spanMetricsQuery, async () => {
      const result = await promql(endpoints.prometheus, spanMetricsQuery);
      return { ok: result.length > 0, result: result.length > 0 ? `calls of ${result.map((r) => r.metric.span_name).join(', ')}` : 'no span metrics' };
    }));
  }

  // The edge from the checks' client span to the service's server span, which Grafana's service map draws.
  const serviceGraphQuery = `sum by (client, server) (traces_service_graph_request_total{client="${CHECK_CLIENT_SERVICE}", server="${appName}"})`;
  if (stack.spanMetrics && endpoints.otlp) {
    metricsChecks.push(poll('metrics', 'service-graph edge from Tempo\'s metrics generator', serviceGraphQuery, async () => {
      const result = await promql(endpoints.prometheus, serviceGraphQuery);
      return { ok: result.length > 0, result: result.length > 0 ? `${CHECK_CLIENT_SERVICE} → ${appName}: ${result[0].value[1]} requests` : 'no edge' };
    }));
  }

  // Loki 3 keeps trace_id as structured metadata: Grafana reads it there (categorize-labels), never as a stream label.
  if (derivedField?.matcherType === 'label') {
    logsChecks.push(poll('logs', `${derivedField.matcherRegex} is structured metadata, not a label`, `${logsPanelQuery} (X-Loki-Response-Encoding-Flags: categorize-labels)`, async () => {
      const streams = await logql(endpoints.loki, logsPanelQuery, t0 - 60_000, lokiDs.maxLines ?? 1000, { 'X-Loki-Response-Encoding-Flags': 'categorize-labels' });
      for (const s of streams) {
        const found = s.values.find(([, line]) => line.includes(traceId));
        if (!found) continue;
        const metadata = found[2]?.structuredMetadata ?? {};
        const ok = metadata[derivedField.matcherRegex] === traceId && s.stream[derivedField.matcherRegex] === undefined;
        return { ok, result: `structured metadata ${derivedField.matcherRegex}=${metadata[derivedField.matcherRegex] ?? '(missing)'}; stream label ${s.stream[derivedField.matcherRegex] ?? 'absent'}` };
      }
      return { ok: false, result: 'line not found' };
    }));
  }

  const settled = await Promise.all([...metricsChecks, traceById, traceSearch, ...logsChecks, dashboardPromql()]);
  rows.push(...settled);

  // Derived field: what Grafana finds for the line the Logs panel shows.
  const extracted = requestLine.line !== undefined && derivedField ? derivedTraceId(derivedField, requestLine.line, requestLine.labels ?? {}) : undefined;
  rows.push({
    signal: 'logs',
    check: `derived field "${derivedField?.name}" → trace id`,
    query: derivedField ? `${derivedField.matcherType === 'label' ? 'label ' : ''}${derivedField.matcherRegex}` : '(no derived field)',
    ok: extracted === traceId,
    result: extracted === undefined ? 'no match' : extracted === traceId ? `extracts ${traceId}` : `extracts ${extracted}, not ${traceId}`,
    ms: undefined,
  });

  // Traces to logs: the query Grafana builds from the trace's attributes, over the span ±shift.
  const tracesToLogs: TracesToLogsSettings = tempoDs.tracesToLogsV2 ?? tempoDs.tracesToLogs ?? {};
  if (traceAttributes.value) {
    const query = tracesToLogsQuery(tracesToLogs, traceAttributes.value, traceId);
    rows.push(await poll('logs', 'traces to logs ("Logs for this span")', query, async () => {
      const streams = await logql(endpoints.loki, query, (traceAttributes.startMs ?? t0) - 60_000, 100);
      const lines = streams.reduce((n, s) => n + s.values.length, 0);
      return { ok: lines > 0, result: `${lines} line${lines === 1 ? '' : 's'}` };
    }));
  } else {
    rows.push({ signal: 'logs', check: 'traces to logs ("Logs for this span")', query: '(needs the trace)', ok: false, result: 'trace not found, so no attributes to map' });
  }
  log(`checks done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return rows;

  async function dashboardPromql(): Promise<CheckRow> {
    const count = prometheusQueries(stack.dashboard).length;
    return poll('dashboard', 'every PromQL query returns data', `${count} queries (panels, variables, annotations)`, async () => {
      // Rate windows as Grafana would size them with the dashboard zoomed to the checked requests:
      // they reach back to the burst however long the other checks took.
      const interval = `${Math.ceil((Date.now() - t0) / 1000) + 60}s`;
      const { withData, empty, expectedEmpty, awaitingTraffic } = await runDashboardPromql(endpoints.prometheus, stack.dashboard, { ...variableValues, interval });
      const note = [
        expectedEmpty.length > 0 ? `, ${expectedEmpty.length} empty as expected (${expectedEmpty.join(', ')})` : '',
        awaitingTraffic.length > 0 ? `, ${awaitingTraffic.length} awaiting traffic or feedback (${awaitingTraffic.join(', ')})` : '',
      ].join('');
      return { ok: empty.length === 0, result: empty.length === 0 ? `${withData} with data${note}` : `no data: ${empty.join('; ')}` };
    });
  }
}

export interface DashboardPromqlResult {
  /** Queries that returned data. */
  readonly withData: number;
  /** `<panel> (<refId>)` of the queries that returned nothing (or only NaN). */
  readonly empty: readonly string[];
  /** Panels of EXPECTED_EMPTY whose query returned nothing, as it should on a healthy service. */
  readonly expectedEmpty: readonly string[];
  /** Panels of AWAITING_TRAFFIC whose query returned nothing yet. */
  readonly awaitingTraffic: readonly string[];
}

/** Runs every PromQL query of `dashboard` (panels, variables, annotations) as Grafana would send it. */
export async function runDashboardPromql(prometheus: string, dashboard: Record<string, unknown>, values: VariableValues): Promise<DashboardPromqlResult> {
  const empty: string[] = [];
  const expectedEmpty: string[] = [];
  const awaitingTraffic: string[] = [];
  let withData = 0;
  for (const q of prometheusQueries(dashboard)) {
    const result = await promql(prometheus, substitute(q.expr, values));
    const hasData = result.length > 0 && !result.every((s) => Number.isNaN(Number(s.value[1])));
    if (hasData) withData++;
    else if (q.panel in EXPECTED_EMPTY) expectedEmpty.push(q.panel);
    else if (q.panel in AWAITING_TRAFFIC) awaitingTraffic.push(`${q.panel} (${q.refId})`);
    else empty.push(`${q.panel} (${q.refId})`);
  }
  return { withData, empty, expectedEmpty, awaitingTraffic };
}

function summariseCounts(values: readonly (number | string)[]): string {
  const counts = new Map<number | string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([v, n]) => `${n}x ${v}`).join(', ');
}

/** The table both the test and the CLI print. */
export function formatCheckTable(rows: readonly CheckRow[], maxQuery = 90): string {
  const clip = (s: string) => (s.length > maxQuery ? `${s.slice(0, maxQuery - 1)}…` : s);
  return formatTable(
    ['', 'signal', 'check', 'query', 'result', 'appeared after'],
    rows.map((r) => [r.ok ? 'ok' : 'FAIL', r.signal, r.check, clip(r.query), r.result, r.ms === undefined ? '' : `${(r.ms / 1000).toFixed(1)} s`]),
  );
}
