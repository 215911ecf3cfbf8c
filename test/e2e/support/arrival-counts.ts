/**
 * What arrived, counted on the backends themselves for the fault tests: a request's trace in
 * Tempo by its id (the load generator chose every id), and its completion log line in Loki (each
 * /predict request writes one, carrying its trace id).
 */
import { ROUTES } from '../../../model-service/src/contract';

export interface TraceArrival {
  readonly traceId: string;
  /** Spans Tempo returned for the trace (0: not found). */
  readonly spans: number;
  /** Distinct span ids among them (spans − distinct = duplicates). */
  readonly distinctSpans: number;
}

type TempoSpan = { spanId?: string };
type TempoBatch = { scopeSpans?: { spans?: TempoSpan[] }[]; instrumentationLibrarySpans?: { spans?: TempoSpan[] }[] };

/**
 * Asks Tempo for one trace by id (GET /api/traces/<id>): the spans it holds, 0 when it answers 404.
 * A 5xx (or 499, a query its frontend cancelled) or a refused connection is asked again (up to 5 times, 2 s apart): a backend just
 * restarted, or a block just flushed, can fail one read, and a Service has no endpoint while
 * none of its pods is ready.
 */
export async function traceInTempo(tempoUrl: string, traceId: string, attempts = 5): Promise<TraceArrival> {
  const again = async () => {
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    return traceInTempo(tempoUrl, traceId, attempts - 1);
  };
  let response: Response;
  try {
    response = await fetch(`${tempoUrl}/api/traces/${traceId}`, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    if (attempts > 1) return again();
    throw error;
  }
  if (response.status === 404) return { traceId, spans: 0, distinctSpans: 0 };
  if (response.status >= 499 && attempts > 1) {
    await response.body?.cancel();
    return again();
  }
  if (!response.ok) throw new Error(`Tempo answered ${response.status} for trace ${traceId}: ${(await response.text()).slice(0, 300)}`);
  const body = (await response.json()) as { batches?: TempoBatch[] };
  const ids = (body.batches ?? []).flatMap((b) => [...(b.scopeSpans ?? []), ...(b.instrumentationLibrarySpans ?? [])]).flatMap((s) => s.spans ?? []).map((s) => s.spanId ?? '');
  return { traceId, spans: ids.length, distinctSpans: new Set(ids).size };
}

/** Every trace id asked of Tempo, `concurrency` at a time. */
export async function tracesInTempo(tempoUrl: string, traceIds: readonly string[], concurrency = 8): Promise<TraceArrival[]> {
  const results: TraceArrival[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < traceIds.length) results.push(await traceInTempo(tempoUrl, traceIds[next++]));
  }));
  return results;
}

/** The LogQL selector of the service's /predict completion lines (a line filter: the JSON line names its route). */
export function completionLines(streamSelector: string): string {
  return `${streamSelector} |= ${JSON.stringify(`"route":"${ROUTES.predict}"`)}`;
}

async function lokiGet(lokiUrl: string, api: string, params: Record<string, string>): Promise<{ resultType: string; result: unknown[] }> {
  const response = await fetch(`${lokiUrl}/loki/api/v1/${api}?${new URLSearchParams(params)}`, { signal: AbortSignal.timeout(60_000) });
  if (!response.ok) throw new Error(`Loki answered ${response.status} to ${api} ${params.query}: ${(await response.text()).slice(0, 300)}`);
  return ((await response.json()) as { data: { resultType: string; result: unknown[] } }).data;
}

/** `sum(count_over_time(<lines>[window]))` over [startMs, endMs] (rounded up to whole seconds), as one LogQL count. */
export async function lokiLineCount(lokiUrl: string, lines: string, startMs: number, endMs: number): Promise<{ query: string; count: number }> {
  const seconds = Math.ceil((endMs - startMs) / 1000);
  const query = `sum(count_over_time(${lines} [${seconds}s]))`;
  const data = await lokiGet(lokiUrl, 'query', { query, time: String((startMs + seconds * 1000) * 1e6) });
  const value = (data.result[0] as { value?: [number, string] } | undefined)?.value?.[1];
  return { query, count: value === undefined ? 0 : Number(value) };
}

/**
 * The trace id of every line in [startMs, endMs], fetched in 5-second slices (each under Loki's
 * 5,000-line limit at the rates the fault tests send), for the lost and duplicated counts.
 */
export async function lokiLineTraceIds(lokiUrl: string, lines: string, startMs: number, endMs: number, sliceMs = 5_000): Promise<string[]> {
  const ids: string[] = [];
  for (let from = startMs; from < endMs; from += sliceMs) {
    const to = Math.min(endMs, from + sliceMs);
    const data = await lokiGet(lokiUrl, 'query_range', { query: lines, start: String(from * 1e6), end: String(to * 1e6 - 1), limit: '5000', direction: 'forward' });
    const values = (data.result as { values: [string, string][] }[]).flatMap((r) => r.values);
    if (values.length >= 5000) throw new Error(`Loki returned its limit of 5,000 lines for a ${sliceMs} ms slice: use shorter slices`);
    for (const [, line] of values) ids.push(/"trace_id":"([0-9a-f]{32})"/.exec(line)?.[1] ?? 'none');
  }
  return ids;
}

export interface ScrapeSamples {
  readonly query: string;
  /** Scrapes due over the window at the target's interval (the median time between its samples). */
  readonly expected: number;
  /** Samples Prometheus holds for the window. */
  readonly stored: number;
  /** The longest time between two stored samples (or the window's edges), in seconds. */
  readonly longestGapSeconds: number;
}

/**
 * The samples of one scrape target's `up` series Prometheus stored over [startMs, endMs], against
 * the scrapes due at its interval: a Prometheus that was down stored none for that time (the gap).
 */
export async function scrapeSamples(prometheusUrl: string, selector: string, startMs: number, endMs: number): Promise<ScrapeSamples> {
  const seconds = Math.ceil((endMs - startMs) / 1000);
  const query = `up{${selector}}[${seconds}s]`;
  const response = await fetch(`${prometheusUrl}/api/v1/query?${new URLSearchParams({ query, time: String((startMs + seconds * 1000) / 1000) })}`, { signal: AbortSignal.timeout(30_000) });
  if (!response.ok) throw new Error(`Prometheus answered ${response.status} to ${query}: ${(await response.text()).slice(0, 300)}`);
  const result = ((await response.json()) as { data: { result: { values: [number, string][] }[] } }).data.result;
  // The target's own series: the one with the most samples (a relabelled copy would be a second).
  const times = (result.sort((a, b) => b.values.length - a.values.length)[0]?.values ?? []).map(([t]) => t * 1000);
  const edges = [startMs, ...times, startMs + seconds * 1000];
  const longestGapMs = Math.max(...edges.slice(1).map((t, i) => t - edges[i]));
  const steps = times.slice(1).map((t, i) => t - times[i]).sort((a, b) => a - b);
  const intervalMs = steps[Math.floor(steps.length / 2)] ?? seconds * 1000;
  return { query, expected: Math.floor((seconds * 1000) / intervalMs), stored: times.length, longestGapSeconds: longestGapMs / 1000 };
}
