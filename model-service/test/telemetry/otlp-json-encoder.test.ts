/**
 * The direct OTLP/JSON encoder must send exactly the bytes the library's
 * JsonTraceSerializer sends, for the service's spans and for everything else a
 * span can carry (events, links, trace state, remote parents, status messages,
 * every attribute value type, strings that need escaping, several resources
 * and scopes).
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { serviceLikeSpans } from '../../bench/otlp-serializer-bench';
import { encodeSpansAsOtlpJson } from '../../src/tracing/otlp-json-encoder';

function libraryBytes(spans: ReadableSpan[]): string {
  return Buffer.from(JsonTraceSerializer.serializeRequest(spans)!).toString('utf8');
}

function collectingProvider(attributes: Record<string, string>, schemaUrl?: string) {
  const ended: ReadableSpan[] = [];
  const processor: SpanProcessor = {
    onStart: () => undefined,
    onEnd: (span) => {
      ended.push(span);
    },
    forceFlush: async () => undefined,
    shutdown: async () => undefined,
  };
  const resource = resourceFromAttributes(attributes, schemaUrl === undefined ? undefined : { schemaUrl });
  return { provider: new BasicTracerProvider({ resource, spanProcessors: [processor] }), ended };
}

describe('encodeSpansAsOtlpJson', () => {
  it('matches the library byte for byte on the service spans', () => {
    const spans = serviceLikeSpans(50);
    expect(encodeSpansAsOtlpJson(spans).toString('utf8')).toBe(libraryBytes(spans));
  });

  it('matches the library byte for byte on unusual spans, resources and scopes', () => {
    const a = collectingProvider({ 'service.name': 'svc "quoted" é', 'host.count': '3' }, 'https://opentelemetry.io/schemas/1.30.0');
    const b = collectingProvider({ 'service.name': 'other' });
    const tracerA = a.provider.getTracer('scope-a', '1.2.3', { schemaUrl: 'https://example.com/schema' });
    const tracerA2 = a.provider.getTracer('scope-b');
    const tracerA3 = a.provider.getTracer('scope-c', undefined, { schemaUrl: '' });
    const remote = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED,
      isRemote: true, traceState: new TraceState('vendor=value,other=1'),
    });
    const withEverything = tracerA.startSpan('name with "quotes", \\ backslash, \n newline, tab\t, ünïcødé, 漢字, \ud83d\ude00, lone \ud800', {
      kind: SpanKind.CLIENT,
      attributes: {
        str: 'plain', empty: '', escaped: 'a"b\\c\u0001\u007f\u0080', int: 42, negative: -7, zero: -0, big: 1e21,
        double: 0.1 + 0.2, nan: Number.NaN, inf: Number.POSITIVE_INFINITY, yes: true, no: false,
        strings: ['x', 'y"'], numbers: [1, 2.5], bools: [true], mixed: ['a', null as unknown as string, undefined as unknown as string],
      },
      links: [
        { context: { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.NONE }, attributes: { link: 'attr' } },
        { context: { traceId: 'c'.repeat(32), spanId: 'd'.repeat(16), traceFlags: TraceFlags.SAMPLED, isRemote: true, traceState: new TraceState('k=v') } },
      ],
    }, remote);
    withEverything.addEvent('event one', { detail: 'x', count: 3 });
    withEverything.addEvent('event "two"');
    withEverything.recordException(new Error('boom "quoted"'));
    withEverything.setStatus({ code: SpanStatusCode.ERROR, message: 'failed: "why"' });
    withEverything.end();
    const ok = tracerA2.startSpan('ok', undefined, ROOT_CONTEXT);
    ok.setStatus({ code: SpanStatusCode.OK, message: '' });
    ok.end();
    tracerA3.startSpan('empty schema url', { kind: SpanKind.CONSUMER }, ROOT_CONTEXT).end();
    b.provider.getTracer('scope-a').startSpan('other resource', { kind: SpanKind.PRODUCER }, ROOT_CONTEXT).end();
    tracerA.startSpan('interleaved', undefined, ROOT_CONTEXT).end();

    const spans = [a.ended[0], b.ended[0], a.ended[1], a.ended[2], a.ended[3]];
    expect(spans).toHaveLength(5);
    const ours = encodeSpansAsOtlpJson(spans).toString('utf8');
    expect(ours).toBe(libraryBytes(spans));
    expect(() => JSON.parse(ours)).not.toThrow();
  });

  it('grows its buffer for spans bigger than its estimate', () => {
    const { provider, ended } = collectingProvider({ 'service.name': 'big' });
    const span = provider.getTracer('t').startSpan('big', { attributes: { blob: 'x'.repeat(100_000), wide: 'é'.repeat(10_000) } }, ROOT_CONTEXT);
    span.end();
    expect(encodeSpansAsOtlpJson(ended).toString('utf8')).toBe(libraryBytes(ended));
  });
});
