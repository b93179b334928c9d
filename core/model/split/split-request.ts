import { encodeProtobuf } from '../otlp-codec.ts';
import type { Signal, SignalRequest } from '../otlp-types.ts';

/** One record alone encodes larger than a message may be: the sender must make it smaller (413). */
export class RecordTooLargeError extends Error {
  override readonly name = 'RecordTooLargeError';
}

// The nesting of each request: resources → scopes → records (metrics: → data points).
interface Level {
  list: string;
  child?: Level;
}
const LEVELS: Record<Signal, Level> = {
  logs: { list: 'resourceLogs', child: { list: 'scopeLogs', child: { list: 'logRecords' } } },
  traces: { list: 'resourceSpans', child: { list: 'scopeSpans', child: { list: 'spans' } } },
  metrics: { list: 'resourceMetrics', child: { list: 'scopeMetrics', child: { list: 'metrics' } } },
};
const METRIC_KINDS = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] as const;

type Node = Record<string, unknown>;

/**
 * Splits an OTLP request whose protobuf encoding exceeds `maxBytes` (a Kafka message limit)
 * into requests under it: by resource first, then by scope, then by halves of the records (a
 * metric's data points last), each part keeping its resource and scope. Every record lands in
 * exactly one part. Returns each part with its encoding, so nothing is encoded twice.
 */
export function splitRequest<S extends Signal>(signal: S, request: SignalRequest[S], maxBytes: number): Array<{ request: SignalRequest[S]; bytes: Uint8Array }> {
  const out: Array<{ request: SignalRequest[S]; bytes: Uint8Array }> = [];
  const visit = (part: Node) => {
    const bytes = encodeProtobuf(signal, part as SignalRequest[S]);
    if (bytes.length <= maxBytes) {
      out.push({ request: part as SignalRequest[S], bytes });
      return;
    }
    const halves = halve(part, LEVELS[signal]);
    if (!halves) throw new RecordTooLargeError(`one ${signal} record encodes to ${bytes.length} bytes, over the ${maxBytes}-byte message limit`);
    for (const half of halves) visit(half);
  };
  visit(request as Node);
  return out;
}

/** Two parts of `node`, split at the shallowest level with more than one item; undefined for a single record. */
function halve(node: Node, level: Level | undefined): [Node, Node] | undefined {
  if (!level) return halveMetric(node);
  const items = (node[level.list] as Node[] | undefined) ?? [];
  if (items.length > 1) {
    const mid = Math.ceil(items.length / 2);
    return [
      { ...node, [level.list]: items.slice(0, mid) },
      { ...node, [level.list]: items.slice(mid) },
    ];
  }
  if (items.length === 0) return undefined;
  const inner = halve(items[0]!, level.child);
  return inner && [{ ...node, [level.list]: [inner[0]] }, { ...node, [level.list]: [inner[1]] }];
}

/** A metric with several data points, split by its points; undefined for anything else. */
function halveMetric(metric: Node): [Node, Node] | undefined {
  const kind = METRIC_KINDS.find((k) => metric[k]);
  if (!kind) return undefined;
  const data = metric[kind] as Node;
  const points = (data.dataPoints as unknown[] | undefined) ?? [];
  if (points.length < 2) return undefined;
  const mid = Math.ceil(points.length / 2);
  return [
    { ...metric, [kind]: { ...data, dataPoints: points.slice(0, mid) } },
    { ...metric, [kind]: { ...data, dataPoints: points.slice(mid) } },
  ];
}
