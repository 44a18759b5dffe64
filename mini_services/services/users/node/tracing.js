// OpenTelemetry at the edge (the twin of ../../../kit/tracing.py): one SERVER span per request, continuing the
// caller's W3C traceparent, exported over OTLP/HTTP protobuf to the control plane (and OTEL_EXPORTER_OTLP_ENDPOINT).
'use strict';
const { ROOT_CONTEXT, SpanKind, SpanStatusCode, defaultTextMapGetter } = require('@opentelemetry/api');
const { W3CTraceContextPropagator } = require('@opentelemetry/core');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
const { defaultResource, resourceFromAttributes } = require('@opentelemetry/resources');
const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');

const propagator = new W3CTraceContextPropagator();

/** A tracer provider for this replica; its resource says service.name, the replica id and telemetry.sdk.language. */
function setupTracing(service, replicaId, controlUrl, delayMs) {
  const endpoints = [`${controlUrl}/v1/traces`];
  const collector = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (collector) endpoints.push(`${collector.replace(/\/+$/, '')}/v1/traces`);
  const provider = new BasicTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ 'service.name': service, 'service.instance.id': replicaId })),
    spanProcessors: endpoints.map((url) => new BatchSpanProcessor(
      new OTLPTraceExporter({ url, timeoutMillis: 5000 }), { scheduledDelayMillis: delayMs, maxExportBatchSize: 1024 })),
  });
  return { provider, tracer: provider.getTracer('kitchen') };
}

/** Open the SERVER span of one request (its parent from the traceparent header, if any). */
function serverSpan(tracer, request, pathname) {
  const parent = propagator.extract(ROOT_CONTEXT, request.headers, defaultTextMapGetter);
  return tracer.startSpan(`${request.method} ${pathname}`, { kind: SpanKind.SERVER }, parent);
}

/** Close the span with the answer's status; a 5xx is an error with its reason in words. */
function endSpan(span, status, reason) {
  span.setAttribute('http.response.status_code', status);
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: reason ? `HTTP ${status}: ${reason}` : `HTTP ${status}` });
  span.end();
}

const traceId = (span) => span.spanContext().traceId;

module.exports = { setupTracing, serverSpan, endSpan, traceId };
