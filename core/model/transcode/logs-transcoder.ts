import type { Problem } from '../accept/record-checks.ts';
import { checkMessageAs, MessageScan } from './message-scan.ts';
import { F } from './otlp-layouts.ts';
import { idProblem } from './record-limits.ts';
import { RepeatedBlock, type RowWriter } from './row-writer.ts';
import { TableOutput, type EncodedRows } from './table-output.ts';
import type { TranscodeContext } from './transcode-context.ts';

const L = F.LogRecord;

/** ExportLogsServiceRequest → otel_logs rows (core/model/rows/logs-rows.ts), rejecting as accept-request.ts does. */
export class LogsTranscoder {
  private readonly out = new TableOutput('otel_logs');
  private readonly request = new MessageScan('ExportLogsServiceRequest');
  private readonly resourceLogs = new MessageScan('ResourceLogs');
  private readonly scopeLogs = new MessageScan('ScopeLogs');
  private readonly record = new MessageScan('LogRecord');

  transcode(ctx: TranscodeContext): { tables: EncodedRows[]; records: number } {
    const { r } = ctx;
    const out = this.out;
    out.reset();
    let records = 0;
    this.request.scan(r, 0, r.len);
    const rls = this.request.counts[1]!;
    for (let ri = 0; ri < rls; ri++) {
      const rl = this.resourceLogs;
      rl.scan(r, this.request.itemStart(1, ri), this.request.itemEnd(1, ri));
      const resource = ctx.resourceColumns(rl, F.resourceX.resource);
      const resourceSchemaUrl = ctx.stringBytes(rl, F.resourceX.schemaUrl);
      const scopes = rl.counts[F.resourceX.scopes]!;
      for (let si = 0; si < scopes; si++) {
        const sl = this.scopeLogs;
        sl.scan(r, rl.itemStart(F.resourceX.scopes, si), rl.itemEnd(F.resourceX.scopes, si));
        const scope = ctx.scopeColumns(sl, F.scopeX.scope);
        const scopeSchemaUrl = ctx.stringBytes(sl, F.scopeX.schemaUrl);
        // The columns every row of this scope repeats, in table order around the body.
        const serviceName = new RepeatedBlock(resource.serviceName);
        const resourceAndScope = new RepeatedBlock(
          Buffer.concat([resourceSchemaUrl, resource.attributes, scopeSchemaUrl, scope.name, scope.version, scope.attributes]),
        );
        const n = sl.counts[F.scopeX.items]!;
        records += n;
        for (let i = 0; i < n; i++) {
          const start = sl.itemStart(F.scopeX.items, i);
          const end = sl.itemEnd(F.scopeX.items, i);
          const rec = this.record;
          rec.scan(r, start, end);
          const problem = this.check(ctx, ri, si, i);
          if (problem) {
            ctx.reject(problem);
            checkMessageAs('LogRecord', r, start, end);
            continue;
          }
          const w = out.writer;
          out.begin();
          this.writeTimestamp(ctx, w);
          ctx.hex(w, rec, L.traceId);
          ctx.hex(w, rec, L.spanId);
          w.uint8(rec.has(L.flags) ? r.uint32At(rec.at[L.flags]!) & 0xff : 0);
          ctx.string(w, rec, L.severityText);
          w.uint8(ctx.uint32(rec, L.severityNumber) | 0);
          w.repeat(serviceName);
          ctx.attrs.writeValue(w, rec.at[L.body]!, rec.end[L.body]!);
          w.repeat(resourceAndScope);
          ctx.attrs.writeMap(w, rec, L.attributes);
          ctx.string(w, rec, L.eventName);
          out.commit();
        }
      }
    }
    return { tables: out.rows > 0 ? [out.finish(ctx.allocate)] : [], records };
  }

  /** checkLogRecord's checks, in its order (value depth is left to the writer, which hands deep values to the reference). */
  private check(ctx: TranscodeContext, ri: number, si: number, i: number): Problem | undefined {
    // Checked without the record's path first; the path is spelled out only for a record that fails.
    return this.fullCheck(ctx, '') && this.fullCheck(ctx, `resourceLogs[${ri}].scopeLogs[${si}].logRecords[${i}]`);
  }

  private fullCheck(ctx: TranscodeContext, at: string): Problem | undefined {
    const { r, limits } = ctx;
    const rec = this.record;
    const buf = r.buf;
    const problem =
      idProblem('trace', at, 'traceId', buf, rec.at[L.traceId]!, rec.end[L.traceId]!, false) ??
      idProblem('span', at, 'spanId', buf, rec.at[L.spanId]!, rec.end[L.spanId]!, false);
    if (problem) return problem;
    const severity = ctx.uint32(rec, L.severityNumber) | 0;
    if (severity < 0 || severity > 24) return { reason: 'invalid_severity', detail: `${at}.severityNumber ${severity} is outside 0…24` };
    const observed = rec.at[L.observedTimeUnixNano]!;
    const oLo = observed >= 0 ? r.uint32At(observed) : 0;
    const oHi = observed >= 0 ? r.uint32At(observed + 4) : 0;
    const range = limits.inRange(at, 'observedTimeUnixNano', oLo, oHi);
    if (range) return range;
    const time = rec.at[L.timeUnixNano]!;
    const tLo = time >= 0 ? r.uint32At(time) : 0;
    const tHi = time >= 0 ? r.uint32At(time + 4) : 0;
    const timeMissing = tLo === 0 && tHi === 0;
    if (timeMissing && oLo === 0 && oHi === 0) return limits.receiptTime(at, 'timeUnixNano');
    return timeMissing
      ? limits.rowTime(at, 'observedTimeUnixNano', true, oLo, oHi)
      : limits.rowTime(at, 'timeUnixNano', true, tLo, tHi);
  }

  /** The record's time, else its observed time, else the receipt time (as the reference fixes it up). */
  private writeTimestamp(ctx: TranscodeContext, w: RowWriter): void {
    const rec = this.record;
    const time = rec.at[L.timeUnixNano]!;
    const observed = rec.at[L.observedTimeUnixNano]!;
    const timeMissing = time < 0 || (ctx.r.uint32At(time) === 0 && ctx.r.uint32At(time + 4) === 0);
    const observedMissing = observed < 0 || (ctx.r.uint32At(observed) === 0 && ctx.r.uint32At(observed + 4) === 0);
    if (!timeMissing) w.copy8(ctx.r, time);
    else if (!observedMissing) w.copy8(ctx.r, observed);
    else w.uint64Halves(ctx.limits.nowLo, ctx.limits.nowHi);
  }
}
