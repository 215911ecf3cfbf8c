import { OTLPExporterBase, OTLPExporterNodeConfigBase } from '@opentelemetry/otlp-exporter-base';
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from '@opentelemetry/otlp-exporter-base/node-http';
import { IExportTraceServiceResponse, ISerializer, JsonTraceSerializer, TraceExporterMetricsHelper } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { encodeSpansAsOtlpJson } from './otlp-json-encoder';

/** The library's JsonTraceSerializer with the request side replaced by the direct byte encoder. */
export const directJsonTraceSerializer: ISerializer<ReadableSpan[], IExportTraceServiceResponse> = {
  serializeRequest: (spans) => encodeSpansAsOtlpJson(spans),
  deserializeResponse: (data) => JsonTraceSerializer.deserializeResponse(data),
};

/**
 * `@opentelemetry/exporter-trace-otlp-http`'s OTLPTraceExporter, assembled from
 * the same parts the same way (its HTTP transport with retries, timeouts,
 * headers, compression and concurrency limit; the OTEL_EXPORTER_OTLP_* variables
 * read by the same function), except for the serializer: see otlp-json-encoder.ts.
 */
export class DirectJsonOtlpTraceExporter extends OTLPExporterBase<ReadableSpan[]> implements SpanExporter {
  constructor(config: OTLPExporterNodeConfigBase = {}) {
    super(createOtlpHttpExportDelegate(
      convertLegacyHttpOptions(config, 'TRACES', 'v1/traces', { 'Content-Type': 'application/json' }),
      directJsonTraceSerializer,
      // The component type the library's exporter reports in its self-observability metrics.
      'otlp_http_span_exporter',
      TraceExporterMetricsHelper,
      config.selfObsMeterProvider,
    ));
  }
}
