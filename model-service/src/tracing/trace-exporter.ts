/**
 * The OTLP/HTTP span exporter, chosen by the standard protocol variables
 * (OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL).
 */
import { OTLPTraceExporter as OTLPProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from '@opentelemetry/otlp-exporter-base/node-http';
import { IExportTraceServiceResponse, ISerializer, JsonTraceSerializer, TraceExporterMetricsHelper } from '@opentelemetry/otlp-transformer';
// Not part of the package's public API (it has no exports map; the version is pinned exactly,
// and test/telemetry/trace-exporter.test.ts checks the body this produces): the library's own
// span-to-OTLP mapping, so that our JSON differs from the library's only by the fields below.
import { JSON_ENCODER } from '@opentelemetry/otlp-transformer/build/src/common/utils';
import { createExportTraceServiceRequest } from '@opentelemetry/otlp-transformer/build/src/trace/internal';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

export const OTLP_TRACES_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
export type OtlpTracesProtocol = (typeof OTLP_TRACES_PROTOCOLS)[number];

/** The Content-Type each protocol's export requests carry. */
export const CONTENT_TYPE_OF: Readonly<Record<OtlpTracesProtocol, string>> = {
  'http/protobuf': 'application/x-protobuf',
  'http/json': 'application/json',
};

/**
 * Default when neither protocol variable is set: JSON, because protobuf is no cheaper for the
 * loaded server. `npm run bench:ab`, scenario (c), the two protocols serving side by side:
 * protobuf / JSON CPU per request 1.022 (12 turns), 1.046 (24 turns, quartiles 1.00-1.08) and
 * 1.034 (24 turns), never below 1; an earlier CPU profile put the library's protobuf serializer
 * at ~37 µs per request against ~15 for JSON. Our JSON against the library's (with `flags`):
 * 1.02, no difference. Protobuf bodies are 3 × smaller (160 against 484 bytes per span), which
 * matters only where bandwidth to the backend is scarce. Both are accepted and stored by Tempo
 * 2.0.0. Figures and the commands: docs/serving.md, "Trace export protocol".
 */
export const DEFAULT_TRACES_PROTOCOL: OtlpTracesProtocol = 'http/json';

const PROTOCOL_VARIABLES = ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL'] as const;

function isProtocol(value: string): value is OtlpTracesProtocol {
  return (OTLP_TRACES_PROTOCOLS as readonly string[]).includes(value);
}

/**
 * The traces protocol from the environment: the traces-specific variable wins over the general
 * one, as the OpenTelemetry specification says. An empty variable counts as unset. Throws, naming
 * the variable and the accepted values, for anything else (`grpc` included: the service only
 * speaks OTLP over HTTP).
 */
export function tracesProtocolFromEnv(env: NodeJS.ProcessEnv): OtlpTracesProtocol {
  for (const variable of PROTOCOL_VARIABLES) {
    const raw = env[variable];
    if (raw === undefined || raw.trim() === '') continue;
    const value = raw.trim();
    if (!isProtocol(value)) {
      throw new Error(
        `invalid environment variable ${variable}: ${JSON.stringify(raw)} is not supported; use one of ${OTLP_TRACES_PROTOCOLS.join(', ')}`,
      );
    }
    return value;
  }
  return DEFAULT_TRACES_PROTOCOL;
}

/**
 * OTLP/JSON that Tempo 2.0.0 accepts. Tempo 2.0's OTLP/HTTP receiver decodes JSON strictly,
 * against OTLP protos older than the library's, and answers 400 to the whole request for any
 * field it does not know (the same strictness once refused `scopeSpans`:
 * https://github.com/grafana/tempo/issues/1746). Of the fields the library writes, these are
 * refused (each checked against the real binary in test/integration/tempo-otlp.test.ts):
 * - span and link `flags` (`unknown field "flags" in v1.Span`), added in OTLP v1.1.0
 *   (https://github.com/open-telemetry/opentelemetry-proto/pull/503), which
 *   @opentelemetry/otlp-transformer writes on every span and link, so none of its JSON exports
 *   reach Tempo 2.0. They only say whether the parent was remote; the sampled bit they repeat
 *   is implied by the span being exported at all;
 * - the resource's `schemaUrl` (not a field of the Resource message in any OTLP version), written
 *   when a resource has a schema URL;
 * - the instrumentation scope's `attributes` and `droppedAttributesCount`, written when a tracer
 *   has scope attributes (ours has none).
 * Tempo 2.1+ and the OpenTelemetry Collector skip unknown JSON fields, and protobuf decoding
 * always does, so leaving these out loses nothing that the service sends today.
 */
export const tempoCompatibleJsonTraceSerializer: ISerializer<ReadableSpan[], IExportTraceServiceResponse> = {
  serializeRequest(spans) {
    const request = createExportTraceServiceRequest(spans, JSON_ENCODER);
    // Assigning undefined (rather than `delete`) keeps the objects' shapes; JSON.stringify skips it.
    for (const resourceSpans of request.resourceSpans ?? []) {
      const resource = resourceSpans.resource as { schemaUrl?: string } | undefined;
      if (resource !== undefined) resource.schemaUrl = undefined;
      for (const scopeSpans of resourceSpans.scopeSpans) {
        if (scopeSpans.scope !== undefined) {
          scopeSpans.scope.attributes = undefined;
          scopeSpans.scope.droppedAttributesCount = undefined;
        }
        for (const span of scopeSpans.spans ?? []) {
          span.flags = undefined;
          for (const link of span.links) link.flags = undefined;
        }
      }
    }
    return new TextEncoder().encode(JSON.stringify(request));
  },
  deserializeResponse: (data) => JsonTraceSerializer.deserializeResponse(data),
};

/** Same component type as the library's HTTP exporters, for the exporter's self-observability metrics. */
const COMPONENT_TYPE = 'otlp_http_span_exporter';

/**
 * The library's OTLP/HTTP exporter with Tempo 2.0-compatible JSON: what
 * @opentelemetry/exporter-trace-otlp-http's OTLPTraceExporter builds, with our serializer
 * (the class takes none). Same transport, retries, headers, compression and timeout variables.
 */
class TempoCompatibleJsonTraceExporter extends OTLPExporterBase<ReadableSpan[]> implements SpanExporter {
  constructor(url: string, timeoutMillis: number | undefined) {
    super(createOtlpHttpExportDelegate(
      convertLegacyHttpOptions({ url, timeoutMillis }, 'TRACES', 'v1/traces', { 'Content-Type': CONTENT_TYPE_OF['http/json'] }),
      tempoCompatibleJsonTraceSerializer,
      COMPONENT_TYPE,
      TraceExporterMetricsHelper,
      undefined,
    ));
  }
}

export interface TraceExporterOptions {
  /**
   * Bound on one export, its own retries included (the library's RetryingTransport).
   * @default - OTEL_EXPORTER_OTLP_TRACES_TIMEOUT / OTEL_EXPORTER_OTLP_TIMEOUT, else 10000 ms
   */
  readonly timeoutMillis?: number;
}

/** The span exporter for `protocol`, sending to the full traces URL (…/v1/traces). */
export function createTraceExporter(protocol: OtlpTracesProtocol, url: string, options: TraceExporterOptions = {}): SpanExporter {
  switch (protocol) {
    case 'http/protobuf':
      return new OTLPProtobufTraceExporter({ url, timeoutMillis: options.timeoutMillis });
    case 'http/json':
      return new TempoCompatibleJsonTraceExporter(url, options.timeoutMillis);
  }
}
