import type { Problem } from '../accept/record-checks.ts';
import { int64Text } from './attribute-writer.ts';
import { checkMessageAs, MessageScan } from './message-scan.ts';
import { F } from './otlp-layouts.ts';
import { idProblem } from './record-limits.ts';
import { RepeatedBlock, RowWriter } from './row-writer.ts';
import { TableOutput, type EncodedRows } from './table-output.ts';
import type { TranscodeContext } from './transcode-context.ts';
import { Bailout, Wire } from './wire-reader.ts';

/** The data kinds of a Metric (its oneof), with the table and point message of each, in the reference's table order. */
const KINDS = [
  { field: F.Metric.gauge, name: 'gauge', table: 'otel_metrics_gauge', data: 'Gauge', point: 'NumberDataPoint' },
  { field: F.Metric.sum, name: 'sum', table: 'otel_metrics_sum', data: 'Sum', point: 'NumberDataPoint' },
  { field: F.Metric.histogram, name: 'histogram', table: 'otel_metrics_histogram', data: 'Histogram', point: 'HistogramDataPoint' },
  { field: F.Metric.exponentialHistogram, name: 'exponentialHistogram', table: 'otel_metrics_exponential_histogram', data: 'ExponentialHistogram', point: 'ExponentialHistogramDataPoint' },
  { field: F.Metric.summary, name: 'summary', table: 'otel_metrics_summary', data: 'Summary', point: 'SummaryDataPoint' },
] as const;
type Kind = (typeof KINDS)[number];

// Where the fields every point type has are (attributes, times, flags, exemplars) per point message.
const POINT_FIELDS: Record<Kind['point'], { attributes: number; start: number; time: number; flags: number; exemplars: number }> = {
  NumberDataPoint: { attributes: 7, start: 2, time: 3, flags: 8, exemplars: 5 },
  HistogramDataPoint: { attributes: 9, start: 2, time: 3, flags: 10, exemplars: 8 },
  ExponentialHistogramDataPoint: { attributes: 1, start: 2, time: 3, flags: 10, exemplars: 11 },
  SummaryDataPoint: { attributes: 7, start: 2, time: 3, flags: 8, exemplars: -1 },
};

const X = F.Exemplar;
const H = F.HistogramDataPoint;
const EH = F.ExponentialHistogramDataPoint;
const SU = F.SummaryDataPoint;

/** ExportMetricsServiceRequest → the five otel_metrics_* tables (core/model/rows/metrics-rows.ts), rejecting as accept-request.ts does. */
export class MetricsTranscoder {
  private readonly outputs = KINDS.map((k) => new TableOutput(k.table));
  private readonly request = new MessageScan('ExportMetricsServiceRequest');
  private readonly resourceMetrics = new MessageScan('ResourceMetrics');
  private readonly scopeMetrics = new MessageScan('ScopeMetrics');
  private readonly metric = new MessageScan('Metric');
  private readonly data: Record<Kind['data'], MessageScan> = {
    Gauge: new MessageScan('Gauge'),
    Sum: new MessageScan('Sum'),
    Histogram: new MessageScan('Histogram'),
    ExponentialHistogram: new MessageScan('ExponentialHistogram'),
    Summary: new MessageScan('Summary'),
  };
  private readonly points: Record<Kind['point'], MessageScan> = {
    NumberDataPoint: new MessageScan('NumberDataPoint'),
    HistogramDataPoint: new MessageScan('HistogramDataPoint'),
    ExponentialHistogramDataPoint: new MessageScan('ExponentialHistogramDataPoint'),
    SummaryDataPoint: new MessageScan('SummaryDataPoint'),
  };
  private readonly exemplar = new MessageScan('Exemplar');
  private readonly buckets = new MessageScan('Buckets');
  private readonly quantile = new MessageScan('ValueAtQuantile');
  private readonly scratch = new RowWriter(4096);

  transcode(ctx: TranscodeContext): { tables: EncodedRows[]; records: number } {
    const { r } = ctx;
    const outputs = this.outputs;
    for (const o of outputs) o.reset();
    let records = 0;
    this.request.scan(r, 0, r.len);
    for (let ri = 0; ri < this.request.counts[1]!; ri++) {
      const rm = this.resourceMetrics;
      rm.scan(r, this.request.itemStart(1, ri), this.request.itemEnd(1, ri));
      const resource = ctx.resourceColumns(rm, F.resourceX.resource);
      const resourceSchemaUrl = ctx.stringBytes(rm, F.resourceX.schemaUrl);
      for (let si = 0; si < rm.counts[F.resourceX.scopes]!; si++) {
        const sm = this.scopeMetrics;
        sm.scan(r, rm.itemStart(F.resourceX.scopes, si), rm.itemEnd(F.resourceX.scopes, si));
        // The columns every row of this scope starts with, in the reference's order.
        const scope = ctx.scopeColumns(sm, F.scopeX.scope);
        const w = this.scratch;
        w.offset = 0;
        w.copyBytes(resource.attributes);
        w.copyBytes(resourceSchemaUrl);
        w.copyBytes(scope.name);
        w.copyBytes(scope.version);
        w.copyBytes(scope.attributes);
        w.uint32(scope.dropped);
        ctx.string(w, sm, F.scopeX.schemaUrl);
        w.copyBytes(resource.serviceName);
        const common = w.take();
        for (let mi = 0; mi < sm.counts[F.scopeX.items]!; mi++) {
          const path = () => `resourceMetrics[${ri}].scopeMetrics[${si}].metrics[${mi}]`;
          records += this.transcodeMetric(ctx, outputs, common, sm.itemStart(F.scopeX.items, mi), sm.itemEnd(F.scopeX.items, mi), path);
        }
      }
    }
    return { tables: outputs.filter((o) => o.rows > 0).map((o) => o.finish(ctx.allocate)), records };
  }

  private transcodeMetric(ctx: TranscodeContext, outputs: TableOutput[], common: Buffer, start: number, end: number, path: () => string): number {
    const { r } = ctx;
    const metric = this.metric;
    metric.scan(r, start, end);
    let kindIndex = -1;
    for (let k = 0; k < KINDS.length; k++) {
      if (!metric.has(KINDS[k]!.field)) continue;
      // protobufjs keeps every data kind sent; the reference then picks the first. Left to it.
      if (kindIndex >= 0) throw new Bailout('several data kinds');
      kindIndex = k;
    }
    if (kindIndex < 0) return 0;
    const kind = KINDS[kindIndex]!;
    // The columns every point of this metric repeats: the scope's, then the metric's own.
    const w = this.scratch;
    w.offset = 0;
    w.copyBytes(common);
    ctx.string(w, metric, F.Metric.name);
    ctx.string(w, metric, F.Metric.description);
    ctx.string(w, metric, F.Metric.unit);
    const head = new RepeatedBlock(w.take());
    const data = this.data[kind.data];
    data.scan(r, metric.at[kind.field]!, metric.end[kind.field]!);
    const temporality = ctx.uint32(data, F.Data.aggregationTemporality) | 0;
    const monotonic = kind.data === 'Sum' && ctx.uint32(data, F.Data.isMonotonic) !== 0;
    const n = data.counts[F.Data.dataPoints]!;
    const point = this.points[kind.point];
    const out = outputs[kindIndex]!;
    for (let p = 0; p < n; p++) {
      const ps = data.itemStart(F.Data.dataPoints, p);
      const pe = data.itemEnd(F.Data.dataPoints, p);
      point.scan(r, ps, pe);
      // Checked without the point's path first; the path is spelled out only for a point that fails.
      const problem = this.check(ctx, kind, '') && this.check(ctx, kind, `${path()}.${kind.name}.dataPoints[${p}]`);
      if (problem) {
        ctx.reject(problem);
        checkMessageAs(kind.point, r, ps, pe);
        continue;
      }
      out.begin();
      this.writeRow(ctx, out.writer, kind, head, temporality, monotonic);
      out.commit();
    }
    return n;
  }

  private writeRow(ctx: TranscodeContext, w: RowWriter, kind: Kind, head: RepeatedBlock, temporality: number, monotonic: boolean): void {
    const point = this.points[kind.point];
    const f = POINT_FIELDS[kind.point];
    w.repeat(head);
    ctx.attrs.writeMap(w, point, f.attributes);
    ctx.copy8(w, point, f.start);
    ctx.copy8(w, point, f.time);
    w.uint32(ctx.uint32(point, f.flags));
    switch (kind.point) {
      case 'NumberDataPoint':
        this.writeNumber(ctx, w, point, F.NumberDataPoint.asDouble, F.NumberDataPoint.asInt);
        this.writeExemplars(ctx, w, point, f.exemplars);
        if (kind.data === 'Sum') {
          w.int32(temporality);
          w.uint8(monotonic ? 1 : 0);
        }
        return;
      case 'HistogramDataPoint':
        ctx.copy8(w, point, H.count);
        ctx.copy8(w, point, H.sum);
        this.writeFixed64List(ctx, w, point, H.bucketCounts);
        this.writeFixed64List(ctx, w, point, H.explicitBounds);
        this.writeExemplars(ctx, w, point, f.exemplars);
        ctx.copy8(w, point, H.min);
        ctx.copy8(w, point, H.max);
        w.int32(temporality);
        return;
      case 'ExponentialHistogramDataPoint': {
        ctx.copy8(w, point, EH.count);
        ctx.copy8(w, point, EH.sum);
        w.int32(sint32(ctx.uint32(point, EH.scale)));
        ctx.copy8(w, point, EH.zeroCount);
        for (let side = EH.positive; side <= EH.negative; side++) {
          if (point.has(side)) {
            this.buckets.scan(ctx.r, point.at[side]!, point.end[side]!);
            w.int32(sint32(ctx.uint32(this.buckets, F.Buckets.offset)));
            this.writeVarintList(ctx, w, this.buckets, F.Buckets.bucketCounts);
          } else {
            w.int32(0);
            w.varUInt(0);
          }
        }
        this.writeExemplars(ctx, w, point, f.exemplars);
        ctx.copy8(w, point, EH.min);
        ctx.copy8(w, point, EH.max);
        w.int32(temporality);
        return;
      }
      case 'SummaryDataPoint': {
        ctx.copy8(w, point, SU.count);
        ctx.copy8(w, point, SU.sum);
        const n = point.counts[SU.quantileValues]!;
        for (let field = F.ValueAtQuantile.quantile; field <= F.ValueAtQuantile.value; field++) {
          w.varUInt(n);
          for (let i = 0; i < n; i++) {
            this.quantile.scan(ctx.r, point.itemStart(SU.quantileValues, i), point.itemEnd(SU.quantileValues, i));
            ctx.copy8(w, this.quantile, field);
          }
        }
        return;
      }
    }
  }

  /** `asDouble ?? Number(asInt)` as a Float64. */
  private writeNumber(ctx: TranscodeContext, w: RowWriter, scan: MessageScan, asDouble: number, asInt: number): void {
    if (scan.has(asDouble)) w.copy8(ctx.r, scan.at[asDouble]!);
    else if (scan.has(asInt)) {
      const at = scan.at[asInt]!;
      const lo = ctx.r.uint32At(at);
      const hi = ctx.r.uint32At(at + 4);
      // Number(String(Long)), as the reference reads it; values that fit 32 bits skip the text.
      if (hi === 0) w.float64(lo);
      else if (hi === 0xffffffff && lo >= 0x80000000) w.float64(lo - 0x100000000);
      else w.float64(Number(int64Text(lo, hi)));
    } else w.zeros(8);
  }

  private writeExemplars(ctx: TranscodeContext, w: RowWriter, point: MessageScan, field: number): void {
    const n = point.counts[field]!;
    const ex = this.exemplar;
    for (let column = 0; column < 5; column++) {
      w.varUInt(n);
      for (let i = 0; i < n; i++) {
        ex.scan(ctx.r, point.itemStart(field, i), point.itemEnd(field, i));
        if (column === 0) ctx.attrs.writeMap(w, ex, X.filteredAttributes);
        else if (column === 1) ctx.copy8(w, ex, X.timeUnixNano);
        else if (column === 2) this.writeNumber(ctx, w, ex, X.asDouble, X.asInt);
        else if (column === 3) ctx.hex(w, ex, X.spanId);
        else ctx.hex(w, ex, X.traceId);
      }
    }
  }

  /** A packed (or unpacked) repeated fixed64/double field as Array(UInt64|Float64). */
  private writeFixed64List(ctx: TranscodeContext, w: RowWriter, scan: MessageScan, field: number): void {
    w.varUInt(fixed64Count(scan, field));
    for (let o = 0; o < scan.counts[field]!; o++) {
      const start = scan.itemStart(field, o);
      const end = scan.itemWire(field, o) === Wire.Len ? scan.itemEnd(field, o) : start + 8;
      for (let at = start; at < end; at += 8) w.copy8(ctx.r, at);
    }
  }

  /** A packed (or unpacked) repeated uint64 field as Array(UInt64). */
  private writeVarintList(ctx: TranscodeContext, w: RowWriter, scan: MessageScan, field: number): void {
    const r = ctx.r;
    let count = 0;
    for (let pass = 0; pass < 2; pass++) {
      if (pass === 1) w.varUInt(count);
      for (let o = 0; o < scan.counts[field]!; o++) {
        const start = scan.itemStart(field, o);
        const packed = scan.itemWire(field, o) === Wire.Len;
        const end = packed ? scan.itemEnd(field, o) : start + 1;
        r.pos = start;
        while (r.pos < end) {
          r.varint64();
          if (pass === 0) count++;
          else w.uint64Halves(r.lo, r.hi);
        }
      }
    }
  }

  /** checkPoint's checks in its order (attribute depth is left to the writer; protobuf counts are always unsigned). */
  private check(ctx: TranscodeContext, kind: Kind, at: string): Problem | undefined {
    const { r, limits } = ctx;
    const buf = r.buf;
    const point = this.points[kind.point];
    const f = POINT_FIELDS[kind.point];
    const time = point.at[f.time]!;
    let problem = limits.rowTime(at, 'timeUnixNano', time >= 0, time >= 0 ? r.uint32At(time) : 0, time >= 0 ? r.uint32At(time + 4) : 0);
    if (problem) return problem;
    const start = point.at[f.start]!;
    if (start >= 0) problem = limits.inRange(at, 'startTimeUnixNano', r.uint32At(start), r.uint32At(start + 4));
    if (problem) return problem;
    if (kind.point === 'HistogramDataPoint') {
      const buckets = fixed64Count(point, H.bucketCounts);
      const bounds = fixed64Count(point, H.explicitBounds);
      if (buckets > 0 && buckets !== bounds + 1) return { reason: 'invalid_value', detail: `${at}: ${buckets} bucket counts for ${bounds} explicit bounds` };
    }
    if (f.exemplars < 0) return undefined;
    const ex = this.exemplar;
    for (let i = 0; i < point.counts[f.exemplars]!; i++) {
      ex.scan(r, point.itemStart(f.exemplars, i), point.itemEnd(f.exemplars, i));
      const t = ex.at[X.timeUnixNano]!;
      problem =
        (t >= 0 ? limits.inRange(`${at}.exemplars[${i}]`, 'timeUnixNano', r.uint32At(t), r.uint32At(t + 4)) : undefined) ??
        idProblem('trace', `${at}.exemplars[${i}]`, 'traceId', buf, ex.at[X.traceId]!, ex.end[X.traceId]!, false) ??
        idProblem('span', `${at}.exemplars[${i}]`, 'spanId', buf, ex.at[X.spanId]!, ex.end[X.spanId]!, false);
      if (problem) return problem;
    }
    return undefined;
  }
}

function sint32(value: number): number {
  return ((value >>> 1) ^ -(value & 1)) | 0;
}

function fixed64Count(scan: MessageScan, field: number): number {
  let count = 0;
  for (let o = 0; o < scan.counts[field]!; o++) {
    count += scan.itemWire(field, o) === Wire.Len ? (scan.itemEnd(field, o) - scan.itemStart(field, o)) / 8 : 1;
  }
  return count;
}
