import type { Problem } from '../accept/record-checks.ts';
import { AttributeWriter } from './attribute-writer.ts';
import { MessageScan } from './message-scan.ts';
import type { RecordLimits } from './record-limits.ts';
import { RowWriter } from './row-writer.ts';
import type { WireReader } from './wire-reader.ts';
import type { Allocate } from './table-output.ts';

/** What every signal's transcoder works with for one request. */
export class TranscodeContext {
  readonly attrs: AttributeWriter;
  /** For values encoded once and copied into every row (resource and scope columns). */
  private readonly scratch = new RowWriter(4096);
  private readonly resource = new MessageScan('Resource');
  private readonly scope = new MessageScan('InstrumentationScope');

  /** Rejected records in order; counted into the caller's tally only once the whole request is transcoded. */
  rejected: Problem[] = [];
  /** Where the request's blocks are copied out to (default: a fresh buffer each). */
  allocate: Allocate | undefined;

  constructor(
    readonly r: WireReader,
    public limits: RecordLimits,
  ) {
    this.attrs = new AttributeWriter(r);
  }

  /** Starts on the next request (the context and its scratch space are reused). */
  reset(bytes: Buffer, limits: RecordLimits, allocate?: Allocate): void {
    this.r.reset(bytes);
    this.limits = limits;
    this.rejected = [];
    this.allocate = allocate;
  }

  reject(problem: Problem): void {
    this.rejected.push(problem);
  }

  /** A string field as a String value ('' when absent). */
  string(w: RowWriter, scan: MessageScan, field: number): void {
    if (scan.at[field]! >= 0) w.stringFrom(this.r, scan.at[field]!, scan.end[field]!);
    else w.varUInt(0);
  }

  /** A uint32/int32/enum field as protobufjs reads it (0 when absent). */
  uint32(scan: MessageScan, field: number): number {
    const at = scan.at[field]!;
    if (at < 0) return 0;
    this.r.pos = at;
    return this.r.uint32();
  }

  /** Eight bytes of a fixed64/double field as they are, or zeros when absent. */
  copy8(w: RowWriter, scan: MessageScan, field: number): void {
    const at = scan.at[field]!;
    if (at >= 0) w.copy8(this.r, at);
    else w.zeros(8);
  }

  /** An id (bytes) as hex ('' when absent). */
  hex(w: RowWriter, scan: MessageScan, field: number): void {
    const at = scan.at[field]!;
    if (at >= 0) w.hexFrom(this.r, at, scan.end[field]!);
    else w.varUInt(0);
  }

  /** The resource's attributes (RowBinary Map) and service.name (RowBinary String), written once per resource. */
  resourceColumns(holder: MessageScan, field: number): { attributes: Buffer; serviceName: Buffer } {
    const w = this.scratch;
    w.offset = 0;
    let serviceName: string | undefined;
    if (holder.has(field)) {
      this.resource.scan(this.r, holder.at[field]!, holder.end[field]!);
      this.attrs.writeMap(w, this.resource, 1, true);
      serviceName = this.attrs.serviceName;
    } else w.varUInt(0);
    const attributes = w.take();
    w.offset = 0;
    w.string(serviceName ?? '');
    return { attributes, serviceName: w.take() };
  }

  /** The scope's name, version, attributes and dropped count (scope absent: '', '', {}, 0). */
  scopeColumns(holder: MessageScan, field: number): { name: Buffer; version: Buffer; attributes: Buffer; dropped: number } {
    const w = this.scratch;
    const scope = this.scope;
    const present = holder.has(field);
    if (present) scope.scan(this.r, holder.at[field]!, holder.end[field]!);
    w.offset = 0;
    if (present) this.string(w, scope, 1);
    else w.varUInt(0);
    const name = w.take();
    w.offset = 0;
    if (present) this.string(w, scope, 2);
    else w.varUInt(0);
    const version = w.take();
    w.offset = 0;
    if (present) this.attrs.writeMap(w, scope, 3);
    else w.varUInt(0);
    const attributes = w.take();
    return { name, version, attributes, dropped: present ? this.uint32(scope, 4) : 0 };
  }

  /** A string field encoded on its own (schema URLs, metric names). */
  stringBytes(scan: MessageScan, field: number): Buffer {
    const w = this.scratch;
    w.offset = 0;
    this.string(w, scan, field);
    return w.take();
  }
}
