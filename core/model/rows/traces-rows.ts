import type { ExportTraceServiceRequest } from '../otlp-types.ts';
import { attributesToMap, idToHex, nanosBetween, nanosToDateTime64 } from './values.ts';

// The exporter stores enums by name (ptrace's SpanKind.String / StatusCode.String).
const SPAN_KINDS = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];
const STATUS_CODES = ['Unset', 'Ok', 'Error'];

export interface TraceRow {
  Timestamp: string;
  TraceId: string;
  SpanId: string;
  ParentSpanId: string;
  TraceState: string;
  SpanName: string;
  SpanKind: string;
  ServiceName: string;
  ResourceAttributes: Record<string, string>;
  ScopeName: string;
  ScopeVersion: string;
  SpanAttributes: Record<string, string>;
  Duration: string;
  StatusCode: string;
  StatusMessage: string;
  'Events.Timestamp': string[];
  'Events.Name': string[];
  'Events.Attributes': Record<string, string>[];
  'Links.TraceId': string[];
  'Links.SpanId': string[];
  'Links.TraceState': string[];
  'Links.Attributes': Record<string, string>[];
}

export function traceRows(request: ExportTraceServiceRequest): TraceRow[] {
  const rows: TraceRow[] = [];
  for (const rs of request.resourceSpans ?? []) {
    const resourceAttributes = attributesToMap(rs.resource?.attributes);
    const serviceName = resourceAttributes['service.name'] ?? '';
    for (const ss of rs.scopeSpans ?? []) {
      for (const span of ss.spans ?? []) {
        const events = span.events ?? [];
        const links = span.links ?? [];
        rows.push({
          Timestamp: nanosToDateTime64(span.startTimeUnixNano),
          TraceId: idToHex(span.traceId),
          SpanId: idToHex(span.spanId),
          ParentSpanId: idToHex(span.parentSpanId),
          TraceState: span.traceState ?? '',
          SpanName: span.name ?? '',
          SpanKind: SPAN_KINDS[span.kind ?? 0] ?? 'Unspecified',
          ServiceName: serviceName,
          ResourceAttributes: resourceAttributes,
          ScopeName: ss.scope?.name ?? '',
          ScopeVersion: ss.scope?.version ?? '',
          SpanAttributes: attributesToMap(span.attributes),
          Duration: nanosBetween(span.startTimeUnixNano, span.endTimeUnixNano),
          StatusCode: STATUS_CODES[span.status?.code ?? 0] ?? 'Unset',
          StatusMessage: span.status?.message ?? '',
          'Events.Timestamp': events.map((e) => nanosToDateTime64(e.timeUnixNano)),
          'Events.Name': events.map((e) => e.name ?? ''),
          'Events.Attributes': events.map((e) => attributesToMap(e.attributes)),
          'Links.TraceId': links.map((l) => idToHex(l.traceId)),
          'Links.SpanId': links.map((l) => idToHex(l.spanId)),
          'Links.TraceState': links.map((l) => l.traceState ?? ''),
          'Links.Attributes': links.map((l) => attributesToMap(l.attributes)),
        });
      }
    }
  }
  return rows;
}
