import type {
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  LogRecord,
  Metric,
  Signal,
  SignalRequest,
  Span,
} from '../otlp-types.ts';
import { requestToRows, type TableRows } from '../rows/table-rows.ts';
import { checkAttributes, checkId, checkRowTime, checkTimeInRange, checkValue, firstProblem, isMissing, limitsAt, nanosOf, type Problem, type TimeLimits } from './record-checks.ts';
import { RECORD_NOUN, RejectionTally, type Rejections } from './rejections.ts';

export interface AcceptOptions {
  /** store.ttl_days: records older than this are rejected as "expired" (the engine would drop them). */
  ttlDays?: number;
  /** Receipt time in ms (injectable for tests). */
  nowMs?: number;
  /** Where to count rejections (a receiver adds the store's refusals to the same tally later). */
  tally?: RejectionTally;
  /** False: validate only, `rows` stays empty (a collector forwarding to Kafka stores no rows). Default true. */
  mapRows?: boolean;
}

export interface AcceptedRequest<S extends Signal = Signal> {
  /** The request with only the records that will be stored (the same object when none was rejected or fixed). */
  request: SignalRequest[S];
  /** Rows of the accepted records, per table (empty with `mapRows: false`). */
  rows: TableRows[];
  /** Records in the request as sent (log records, data points or spans). */
  records: number;
  rejected: Rejections;
  /** False when the request had to be rebuilt; true means `request` is the input unchanged. */
  unchanged: boolean;
}

/**
 * Validates every record of an OTLP request and maps the accepted ones to rows: the one entry
 * point for every receiver (HTTP, gRPC) and the processor. A record that cannot be stored is
 * rejected alone, counted by reason; where OTLP says how to fix a record up (a log without a
 * time takes its observed time, or the receipt time) it is fixed instead.
 */
export function acceptRequest<S extends Signal>(signal: S, request: SignalRequest[S], options: AcceptOptions = {}): AcceptedRequest<S> {
  const limits = limitsAt(options.nowMs ?? Date.now(), options.ttlDays);
  const tally = options.tally ?? new RejectionTally(RECORD_NOUN[signal]);
  const filtered = FILTERS[signal](request as never, limits, tally) as { request: SignalRequest[S]; records: number; changed: boolean };
  const accepted = filtered.changed ? filtered.request : request;
  return {
    request: accepted,
    rows: options.mapRows === false ? [] : requestToRows(signal, accepted),
    records: filtered.records,
    rejected: tally.toJSON(),
    unchanged: !filtered.changed,
  };
}

interface Filtered<R> {
  request: R;
  records: number;
  changed: boolean;
}

type Filter<R> = (request: R, limits: TimeLimits, tally: RejectionTally) => Filtered<R>;

/**
 * Keeps the items that pass `check` (which may return a fixed-up copy), rejecting the rest.
 * Returns the original array when nothing changed, so untouched requests are not copied.
 */
function keep<T>(items: T[], path: string, tally: RejectionTally, check: (item: T, path: string) => Problem | T | undefined): { items: T[]; changed: boolean } {
  let out: T[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const result = check(item, `${path}[${i}]`);
    const problem = result && typeof result === 'object' && 'reason' in (result as object) && 'detail' in (result as object) ? (result as Problem) : undefined;
    if (problem) {
      tally.add(problem.reason, problem.detail);
      out ??= items.slice(0, i);
    } else if (result !== undefined && result !== item) {
      out ??= items.slice(0, i);
      out.push(result as T);
    } else if (out) {
      out.push(item);
    }
  }
  return { items: out ?? items, changed: out !== undefined };
}

const filterLogs: Filter<ExportLogsServiceRequest> = (request, limits, tally) => {
  let records = 0;
  let changed = false;
  const resourceLogs = (request.resourceLogs ?? []).map((rl, r) => {
    const resourceProblem = checkAttributes(`resourceLogs[${r}].resource.attributes`, rl.resource?.attributes);
    const scopeLogs = (rl.scopeLogs ?? []).map((sl, s) => {
      const path = `resourceLogs[${r}].scopeLogs[${s}].logRecords`;
      const list = sl.logRecords ?? [];
      records += list.length;
      const scopeProblem = resourceProblem ?? checkAttributes(`resourceLogs[${r}].scopeLogs[${s}].scope.attributes`, sl.scope?.attributes);
      const kept = keep(list, path, tally, (record, at) => scopeProblem ?? checkLogRecord(record, at, limits));
      // A scope or resource that cannot be rendered is dropped whole, even without records:
      // the mapping renders its attributes for every scope.
      if (scopeProblem) {
        changed = true;
        return { ...sl, scope: null, logRecords: [] };
      }
      if (!kept.changed) return sl;
      changed = true;
      return { ...sl, logRecords: kept.items };
    });
    if (resourceProblem) {
      changed = true;
      return { ...rl, resource: null, scopeLogs: [] };
    }
    return scopeLogs.some((sl, i) => sl !== rl.scopeLogs?.[i]) ? { ...rl, scopeLogs } : rl;
  });
  return { request: changed ? { ...request, resourceLogs } : request, records, changed };
};

function checkLogRecord(record: LogRecord, at: string, limits: TimeLimits): Problem | LogRecord | undefined {
  const problem = firstProblem(
    () => checkId('trace', `${at}.traceId`, record.traceId, false),
    () => checkId('span', `${at}.spanId`, record.spanId, false),
    () => {
      const severity = record.severityNumber ?? 0;
      return Number.isInteger(severity) && severity >= 0 && severity <= 24
        ? undefined
        : { reason: 'invalid_severity', detail: `${at}.severityNumber ${severity} is outside 0…24` };
    },
    () => checkValue(`${at}.body`, record.body),
    () => checkAttributes(`${at}.attributes`, record.attributes),
    () => checkTimeInRange(`${at}.observedTimeUnixNano`, record.observedTimeUnixNano),
  );
  if (problem) return problem;
  // OTLP: a record without a time is stored at its observed time, which a receiver sets on receipt.
  if (isMissing(record.timeUnixNano) && isMissing(record.observedTimeUnixNano)) {
    const fixed = { ...record, observedTimeUnixNano: limits.nowNanos.toString() };
    return checkRowTime(`${at}.timeUnixNano`, fixed.observedTimeUnixNano, limits) ?? fixed;
  }
  const time = isMissing(record.timeUnixNano) ? record.observedTimeUnixNano : record.timeUnixNano;
  return checkRowTime(isMissing(record.timeUnixNano) ? `${at}.observedTimeUnixNano` : `${at}.timeUnixNano`, time, limits);
}

const filterTraces: Filter<ExportTraceServiceRequest> = (request, limits, tally) => {
  let records = 0;
  let changed = false;
  const resourceSpans = (request.resourceSpans ?? []).map((rs, r) => {
    const resourceProblem = checkAttributes(`resourceSpans[${r}].resource.attributes`, rs.resource?.attributes);
    const scopeSpans = (rs.scopeSpans ?? []).map((ss, s) => {
      const list = ss.spans ?? [];
      records += list.length;
      const scopeProblem = resourceProblem ?? checkAttributes(`resourceSpans[${r}].scopeSpans[${s}].scope.attributes`, ss.scope?.attributes);
      const kept = keep(list, `resourceSpans[${r}].scopeSpans[${s}].spans`, tally, (span, at) => scopeProblem ?? checkSpan(span, at, limits));
      if (scopeProblem) {
        changed = true;
        return { ...ss, scope: null, spans: [] };
      }
      if (!kept.changed) return ss;
      changed = true;
      return { ...ss, spans: kept.items };
    });
    if (resourceProblem) {
      changed = true;
      return { ...rs, resource: null, scopeSpans: [] };
    }
    return scopeSpans.some((ss, i) => ss !== rs.scopeSpans?.[i]) ? { ...rs, scopeSpans } : rs;
  });
  return { request: changed ? { ...request, resourceSpans } : request, records, changed };
};

function checkSpan(span: Span, at: string, limits: TimeLimits): Problem | undefined {
  return firstProblem(
    () => checkId('trace', `${at}.traceId`, span.traceId, true),
    () => checkId('span', `${at}.spanId`, span.spanId, true),
    () => checkId('span', `${at}.parentSpanId`, span.parentSpanId, false),
    () => checkRowTime(`${at}.startTimeUnixNano`, span.startTimeUnixNano, limits),
    () => checkTimeInRange(`${at}.endTimeUnixNano`, span.endTimeUnixNano),
    () => checkAttributes(`${at}.attributes`, span.attributes),
    () => {
      for (const [i, e] of (span.events ?? []).entries()) {
        const problem = checkTimeInRange(`${at}.events[${i}].timeUnixNano`, e.timeUnixNano) ?? checkAttributes(`${at}.events[${i}].attributes`, e.attributes);
        if (problem) return problem;
      }
      return undefined;
    },
    () => {
      for (const [i, l] of (span.links ?? []).entries()) {
        const problem =
          checkId('trace', `${at}.links[${i}].traceId`, l.traceId, false) ??
          checkId('span', `${at}.links[${i}].spanId`, l.spanId, false) ??
          checkAttributes(`${at}.links[${i}].attributes`, l.attributes);
        if (problem) return problem;
      }
      return undefined;
    },
  );
}

type DataKind = 'gauge' | 'sum' | 'histogram' | 'exponentialHistogram' | 'summary';
const DATA_KINDS: DataKind[] = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'];

const filterMetrics: Filter<ExportMetricsServiceRequest> = (request, limits, tally) => {
  let records = 0;
  let changed = false;
  const resourceMetrics = (request.resourceMetrics ?? []).map((rm, r) => {
    const resourceProblem = checkAttributes(`resourceMetrics[${r}].resource.attributes`, rm.resource?.attributes);
    const scopeMetrics = (rm.scopeMetrics ?? []).map((sm, s) => {
      const scopeProblem = resourceProblem ?? checkAttributes(`resourceMetrics[${r}].scopeMetrics[${s}].scope.attributes`, sm.scope?.attributes);
      let scopeChanged = false;
      const metrics = (sm.metrics ?? []).map((metric, m) => {
        // Mapping reads the first data kind present, as protobuf's oneof has only one.
        const kind = DATA_KINDS.find((k) => metric[k]);
        if (!kind) return metric;
        const data = metric[kind]!;
        const points = (data.dataPoints ?? []) as PointLike[];
        records += points.length;
        const at = `resourceMetrics[${r}].scopeMetrics[${s}].metrics[${m}].${kind}.dataPoints`;
        const kept = keep(points, at, tally, (point, p) => scopeProblem ?? checkPoint(point, p, limits));
        if (!kept.changed) return metric;
        scopeChanged = true;
        return { ...metric, [kind]: { ...data, dataPoints: kept.items } } as Metric;
      });
      if (scopeProblem) {
        changed = true;
        return { ...sm, scope: null, metrics: [] };
      }
      if (!scopeChanged) return sm;
      changed = true;
      return { ...sm, metrics };
    });
    if (resourceProblem) {
      changed = true;
      return { ...rm, resource: null, scopeMetrics: [] };
    }
    return scopeMetrics.some((sm, i) => sm !== rm.scopeMetrics?.[i]) ? { ...rm, scopeMetrics } : rm;
  });
  return { request: changed ? { ...request, resourceMetrics } : request, records, changed };
};

interface PointLike {
  attributes?: Parameters<typeof checkAttributes>[1];
  startTimeUnixNano?: Parameters<typeof checkTimeInRange>[1];
  timeUnixNano?: Parameters<typeof checkTimeInRange>[1];
  exemplars?: Array<{ timeUnixNano?: Parameters<typeof checkTimeInRange>[1]; traceId?: Uint8Array | null; spanId?: Uint8Array | null; filteredAttributes?: Parameters<typeof checkAttributes>[1] }> | null;
  bucketCounts?: unknown[] | null;
  explicitBounds?: number[] | null;
  count?: unknown;
  zeroCount?: unknown;
  positive?: { bucketCounts?: unknown[] | null } | null;
  negative?: { bucketCounts?: unknown[] | null } | null;
}

const UINT64_MAX = 18_446_744_073_709_551_615n;

/** Counts go to UInt64 columns: OTLP/JSON can carry "-1" or 1e308 where protobuf cannot. */
function checkCounts(at: string, point: PointLike): Problem | undefined {
  const counts: Array<[string, unknown]> = [['count', point.count], ['zeroCount', point.zeroCount]];
  for (const [name, list] of [['bucketCounts', point.bucketCounts], ['positive.bucketCounts', point.positive?.bucketCounts], ['negative.bucketCounts', point.negative?.bucketCounts]] as const) {
    for (const [i, c] of (list ?? []).entries()) counts.push([`${name}[${i}]`, c]);
  }
  for (const [name, value] of counts) {
    if (value == null) continue;
    const n = nanosOf(value as never);
    if (n === undefined || n < 0n || n > UINT64_MAX) return { reason: 'invalid_value', detail: `${at}.${name} ${String(value)} is not an unsigned 64-bit count` };
  }
  return undefined;
}

function checkPoint(point: PointLike, at: string, limits: TimeLimits): Problem | undefined {
  return firstProblem(
    () => checkRowTime(`${at}.timeUnixNano`, point.timeUnixNano, limits),
    () => checkTimeInRange(`${at}.startTimeUnixNano`, point.startTimeUnixNano),
    () => checkAttributes(`${at}.attributes`, point.attributes),
    () => checkCounts(at, point),
    () => {
      // A histogram has one more bucket than bounds (or no buckets at all).
      const buckets = point.bucketCounts?.length ?? 0;
      const bounds = point.explicitBounds?.length ?? 0;
      if (point.bucketCounts !== undefined && buckets > 0 && buckets !== bounds + 1) {
        return { reason: 'invalid_value', detail: `${at}: ${buckets} bucket counts for ${bounds} explicit bounds` };
      }
      return undefined;
    },
    () => {
      for (const [i, e] of (point.exemplars ?? []).entries()) {
        const problem =
          checkTimeInRange(`${at}.exemplars[${i}].timeUnixNano`, e.timeUnixNano) ??
          checkId('trace', `${at}.exemplars[${i}].traceId`, e.traceId, false) ??
          checkId('span', `${at}.exemplars[${i}].spanId`, e.spanId, false) ??
          checkAttributes(`${at}.exemplars[${i}].filteredAttributes`, e.filteredAttributes);
        if (problem) return problem;
      }
      return undefined;
    },
  );
}

const FILTERS: { [S in Signal]: Filter<SignalRequest[S]> } = { logs: filterLogs, metrics: filterMetrics, traces: filterTraces };
