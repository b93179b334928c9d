import type { Problem } from '../accept/record-checks.ts';
import { checkMessageAs, MessageScan } from './message-scan.ts';
import { F } from './otlp-layouts.ts';
import { idProblem } from './record-limits.ts';
import { RepeatedBlock, type RowWriter } from './row-writer.ts';
import { TableOutput, type EncodedRows } from './table-output.ts';
import type { TranscodeContext } from './transcode-context.ts';

const S = F.Span;
const E = F.Event;
const K = F.Link;

// The exporter stores enums by name (as core/model/rows/traces-rows.ts), pre-encoded as RowBinary strings.
const asString = (s: string) => Buffer.concat([Buffer.from([Buffer.byteLength(s)]), Buffer.from(s)]);
const SPAN_KINDS = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'].map(asString);
const STATUS_CODES = ['Unset', 'Ok', 'Error'].map(asString);

/** ExportTraceServiceRequest → otel_traces rows (core/model/rows/traces-rows.ts), rejecting as accept-request.ts does. */
export class TracesTranscoder {
  private readonly out = new TableOutput('otel_traces');
  private readonly request = new MessageScan('ExportTraceServiceRequest');
  private readonly resourceSpans = new MessageScan('ResourceSpans');
  private readonly scopeSpans = new MessageScan('ScopeSpans');
  private readonly span = new MessageScan('Span');
  private readonly event = new MessageScan('Event');
  private readonly link = new MessageScan('Link');
  private readonly status = new MessageScan('Status');

  transcode(ctx: TranscodeContext): { tables: EncodedRows[]; records: number } {
    const { r } = ctx;
    const out = this.out;
    out.reset();
    let records = 0;
    this.request.scan(r, 0, r.len);
    for (let ri = 0; ri < this.request.counts[1]!; ri++) {
      const rs = this.resourceSpans;
      rs.scan(r, this.request.itemStart(1, ri), this.request.itemEnd(1, ri));
      const resource = ctx.resourceColumns(rs, F.resourceX.resource);
      const scopes = rs.counts[F.resourceX.scopes]!;
      for (let si = 0; si < scopes; si++) {
        const ss = this.scopeSpans;
        ss.scan(r, rs.itemStart(F.resourceX.scopes, si), rs.itemEnd(F.resourceX.scopes, si));
        const scope = ctx.scopeColumns(ss, F.scopeX.scope);
        // The columns every span of this scope repeats, in table order.
        const resourceAndScope = new RepeatedBlock(Buffer.concat([resource.serviceName, resource.attributes, scope.name, scope.version]));
        const n = ss.counts[F.scopeX.items]!;
        records += n;
        for (let i = 0; i < n; i++) {
          const start = ss.itemStart(F.scopeX.items, i);
          const end = ss.itemEnd(F.scopeX.items, i);
          this.span.scan(r, start, end);
          // Checked without the record's path first; the path is spelled out only for a record that fails.
          const problem = this.check(ctx, '') && this.check(ctx, `resourceSpans[${ri}].scopeSpans[${si}].spans[${i}]`);
          if (problem) {
            ctx.reject(problem);
            checkMessageAs('Span', r, start, end);
            continue;
          }
          out.begin();
          this.writeRow(ctx, out.writer, resourceAndScope);
          out.commit();
        }
      }
    }
    return { tables: out.rows > 0 ? [out.finish(ctx.allocate)] : [], records };
  }

  private writeRow(ctx: TranscodeContext, w: RowWriter, resourceAndScope: RepeatedBlock): void {
    const { r } = ctx;
    const span = this.span;
    ctx.copy8(w, span, S.startTimeUnixNano);
    ctx.hex(w, span, S.traceId);
    ctx.hex(w, span, S.spanId);
    ctx.hex(w, span, S.parentSpanId);
    ctx.string(w, span, S.traceState);
    ctx.string(w, span, S.name);
    w.copyBytes(SPAN_KINDS[ctx.uint32(span, S.kind) | 0] ?? SPAN_KINDS[0]!);
    w.repeat(resourceAndScope);
    ctx.attrs.writeMap(w, span, S.attributes);
    // Duration: end − start, never negative, 0 unless both are present (nanosBetween).
    if (span.has(S.startTimeUnixNano) && span.has(S.endTimeUnixNano)) {
      // 64-bit subtraction on 32-bit halves (no BigInt per span).
      const s = span.at[S.startTimeUnixNano]!;
      const e = span.at[S.endTimeUnixNano]!;
      const lo = r.uint32At(e) - r.uint32At(s);
      const hi = r.uint32At(e + 4) - r.uint32At(s + 4) - (lo < 0 ? 1 : 0);
      if (hi < 0) w.zeros(8);
      else w.uint64Halves(lo >>> 0, hi);
    } else w.zeros(8);
    let code = 0;
    if (span.has(S.status)) {
      this.status.scan(r, span.at[S.status]!, span.end[S.status]!);
      code = ctx.uint32(this.status, F.Status.code) | 0;
    }
    w.copyBytes(STATUS_CODES[code] ?? STATUS_CODES[0]!);
    if (span.has(S.status)) ctx.string(w, this.status, F.Status.message);
    else w.varUInt(0);

    const events = span.counts[S.events]!;
    const event = this.event;
    for (let column = 0; column < 3; column++) {
      w.varUInt(events);
      for (let i = 0; i < events; i++) {
        event.scan(r, span.itemStart(S.events, i), span.itemEnd(S.events, i));
        if (column === 0) ctx.copy8(w, event, E.timeUnixNano);
        else if (column === 1) ctx.string(w, event, E.name);
        else ctx.attrs.writeMap(w, event, E.attributes);
      }
    }
    const links = span.counts[S.links]!;
    const link = this.link;
    for (let column = 0; column < 4; column++) {
      w.varUInt(links);
      for (let i = 0; i < links; i++) {
        link.scan(r, span.itemStart(S.links, i), span.itemEnd(S.links, i));
        if (column === 0) ctx.hex(w, link, K.traceId);
        else if (column === 1) ctx.hex(w, link, K.spanId);
        else if (column === 2) ctx.string(w, link, K.traceState);
        else ctx.attrs.writeMap(w, link, K.attributes);
      }
    }
  }

  /** checkSpan's checks in its order (attribute depth is left to the writer). */
  private check(ctx: TranscodeContext, at: string): Problem | undefined {
    const { r, limits } = ctx;
    const buf = r.buf;
    const span = this.span;
    let problem =
      idProblem('trace', at, 'traceId', buf, span.at[S.traceId]!, span.end[S.traceId]!, true) ??
      idProblem('span', at, 'spanId', buf, span.at[S.spanId]!, span.end[S.spanId]!, true) ??
      idProblem('span', at, 'parentSpanId', buf, span.at[S.parentSpanId]!, span.end[S.parentSpanId]!, false);
    if (problem) return problem;
    const start = span.at[S.startTimeUnixNano]!;
    problem = limits.rowTime(at, 'startTimeUnixNano', start >= 0, start >= 0 ? r.uint32At(start) : 0, start >= 0 ? r.uint32At(start + 4) : 0);
    if (problem) return problem;
    const end = span.at[S.endTimeUnixNano]!;
    if (end >= 0) problem = limits.inRange(at, 'endTimeUnixNano', r.uint32At(end), r.uint32At(end + 4));
    if (problem) return problem;
    for (let i = 0; i < span.counts[S.events]!; i++) {
      this.event.scan(r, span.itemStart(S.events, i), span.itemEnd(S.events, i));
      const t = this.event.at[E.timeUnixNano]!;
      if (t >= 0) problem = limits.inRange(`${at}.events[${i}]`, 'timeUnixNano', r.uint32At(t), r.uint32At(t + 4));
      if (problem) return problem;
    }
    for (let i = 0; i < span.counts[S.links]!; i++) {
      const link = this.link;
      link.scan(r, span.itemStart(S.links, i), span.itemEnd(S.links, i));
      problem =
        idProblem('trace', `${at}.links[${i}]`, 'traceId', buf, link.at[K.traceId]!, link.end[K.traceId]!, false) ??
        idProblem('span', `${at}.links[${i}]`, 'spanId', buf, link.at[K.spanId]!, link.end[K.spanId]!, false);
      if (problem) return problem;
    }
    return undefined;
  }
}
