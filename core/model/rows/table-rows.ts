import type { Signal, SignalRequest } from '../otlp-types.ts';
import { logRows } from './logs-rows.ts';
import { metricRows } from './metrics-rows.ts';
import { traceRows } from './traces-rows.ts';

/** Rows bound for one table. */
export interface TableRows {
  table: string;
  rows: object[];
}

/** The one place OTLP requests become ClickHouse rows, for every signal. */
export function requestToRows<S extends Signal>(signal: S, request: SignalRequest[S]): TableRows[] {
  switch (signal) {
    case 'logs':
      return [{ table: 'otel_logs', rows: logRows(request as SignalRequest['logs']) }];
    case 'traces':
      return [{ table: 'otel_traces', rows: traceRows(request as SignalRequest['traces']) }];
    case 'metrics':
      return Object.entries(metricRows(request as SignalRequest['metrics']))
        .filter(([, rows]) => rows.length > 0)
        .map(([table, rows]) => ({ table, rows }));
    default:
      throw new Error(`unknown signal ${String(signal)}`);
  }
}

