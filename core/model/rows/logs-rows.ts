import type { ExportLogsServiceRequest } from '../otlp-types.ts';
import { attributesToMap, anyValueToString, idToHex, isZeroNanos, nanosToDateTime64 } from './values.ts';

/** One otel_logs row, column names as the OpenTelemetry Collector ClickHouse exporter has them. */
export interface LogRow {
  Timestamp: string;
  TraceId: string;
  SpanId: string;
  TraceFlags: number;
  SeverityText: string;
  SeverityNumber: number;
  ServiceName: string;
  Body: string;
  ResourceSchemaUrl: string;
  ResourceAttributes: Record<string, string>;
  ScopeSchemaUrl: string;
  ScopeName: string;
  ScopeVersion: string;
  ScopeAttributes: Record<string, string>;
  LogAttributes: Record<string, string>;
  /** The record's event_name (OTLP 1.5+); migration 0008 adds the column. */
  EventName: string;
}

export function logRows(request: ExportLogsServiceRequest): LogRow[] {
  const rows: LogRow[] = [];
  for (const rl of request.resourceLogs ?? []) {
    const resourceAttributes = attributesToMap(rl.resource?.attributes);
    const serviceName = resourceAttributes['service.name'] ?? '';
    for (const sl of rl.scopeLogs ?? []) {
      const scopeAttributes = attributesToMap(sl.scope?.attributes);
      for (const record of sl.logRecords ?? []) {
        // The exporter falls back to the observed time when the source gave none.
        const time = isZeroNanos(record.timeUnixNano) ? record.observedTimeUnixNano : record.timeUnixNano;
        rows.push({
          Timestamp: nanosToDateTime64(time),
          TraceId: idToHex(record.traceId),
          SpanId: idToHex(record.spanId),
          TraceFlags: (record.flags ?? 0) & 0xff,
          SeverityText: record.severityText ?? '',
          SeverityNumber: record.severityNumber ?? 0,
          ServiceName: serviceName,
          Body: anyValueToString(record.body),
          ResourceSchemaUrl: rl.schemaUrl ?? '',
          ResourceAttributes: resourceAttributes,
          ScopeSchemaUrl: sl.schemaUrl ?? '',
          ScopeName: sl.scope?.name ?? '',
          ScopeVersion: sl.scope?.version ?? '',
          ScopeAttributes: scopeAttributes,
          LogAttributes: attributesToMap(record.attributes),
          EventName: record.eventName ?? '',
        });
      }
    }
  }
  return rows;
}
