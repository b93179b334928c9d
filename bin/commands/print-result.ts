import type { QueryResult } from '../../core/store/index.ts';

export type OutputFormat = 'table' | 'json' | 'csv';

const cell = (value: unknown): string => (value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value));

function csvCell(value: unknown): string {
  const text = cell(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function printResult(result: QueryResult, format: OutputFormat, out: NodeJS.WritableStream): void {
  const columns = result.meta.map((m) => m.name);
  if (format === 'json') {
    out.write(JSON.stringify(result.data, null, 2) + '\n');
    return;
  }
  if (format === 'csv') {
    out.write(columns.map(csvCell).join(',') + '\n');
    for (const row of result.data) out.write(columns.map((c) => csvCell(row[c])).join(',') + '\n');
    return;
  }
  const rows = result.data.map((row) => columns.map((c) => cell(row[c])));
  const widths = columns.map((c, i) => Math.min(80, Math.max(c.length, ...rows.map((r) => r[i]!.length))));
  const line = (values: string[]) => values.map((v, i) => v.slice(0, 80).padEnd(widths[i]!)).join(' │ ');
  out.write(line(columns) + '\n');
  out.write(widths.map((w) => '─'.repeat(w)).join('─┼─') + '\n');
  for (const r of rows) out.write(line(r) + '\n');
  out.write(`(${result.rows} row${result.rows === 1 ? '' : 's'})\n`);
}
