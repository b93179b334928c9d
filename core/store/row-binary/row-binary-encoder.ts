import { BinaryWriter } from './binary-writer.ts';
import { encoderFor, type Encode } from './column-encoder.ts';

/** Encodes rows of one table in RowBinary for an explicit column list. */
export class RowBinaryEncoder {
  private readonly encoders: Encode[];

  constructor(
    readonly columns: readonly string[],
    types: ReadonlyMap<string, string>,
  ) {
    this.encoders = columns.map((column) => {
      const type = types.get(column);
      if (!type) throw new Error(`column ${column} is not in the table`);
      return encoderFor(type);
    });
  }

  encode(rows: readonly object[]): Buffer {
    const writer = new BinaryWriter(Math.max(4096, rows.length * 512));
    const { columns, encoders } = this;
    for (const row of rows) {
      const record = row as Record<string, unknown>;
      for (let i = 0; i < columns.length; i++) encoders[i]!(writer, record[columns[i]!]);
    }
    return writer.bytes();
  }
}
