import type { Signal, SignalRequest } from '../../core/model/index.ts';
import { anyValueToString } from '../../core/model/index.ts';

/**
 * The partitioning key of a request: its first resource's host and service, so one node's
 * data stays ordered in one Kafka partition.
 */
export function resourceKey(signal: Signal, request: SignalRequest[Signal]): string {
  const first =
    signal === 'logs'
      ? (request as SignalRequest['logs']).resourceLogs?.[0]
      : signal === 'metrics'
        ? (request as SignalRequest['metrics']).resourceMetrics?.[0]
        : (request as SignalRequest['traces']).resourceSpans?.[0];
  let host = '';
  let service = '';
  for (const kv of first?.resource?.attributes ?? []) {
    if (kv.key === 'host.name') host = anyValueToString(kv.value);
    else if (kv.key === 'service.name') service = anyValueToString(kv.value);
  }
  return `${host}/${service}`;
}
