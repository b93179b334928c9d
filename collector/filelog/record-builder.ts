import type { LogRecord } from '../../core/model/index.ts';

export interface ParserOptions {
  type: 'none' | 'json' | 'regex';
  regex?: string;
  timestamp_field: string;
  severity_field: string;
  body_field: string;
}

const SEVERITIES: Array<[RegExp, number, string]> = [
  [/\b(FATAL|CRITICAL|PANIC)\b/i, 21, 'FATAL'],
  [/\bERROR\b|\bERR\b/i, 17, 'ERROR'],
  [/\bWARN(ING)?\b/i, 13, 'WARN'],
  [/\bINFO\b/i, 9, 'INFO'],
  [/\bDEBUG\b/i, 5, 'DEBUG'],
  [/\bTRACE\b/i, 1, 'TRACE'],
];

function severityOf(text: string): { number: number; text: string } {
  for (const [pattern, number, name] of SEVERITIES) if (pattern.test(text)) return { number, text: name };
  return { number: 0, text: '' };
}

function timeNanos(value: unknown): string | undefined {
  if (typeof value === 'number') return String(BigInt(Math.round(value < 1e12 ? value * 1000 : value)) * 1_000_000n);
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : String(BigInt(ms) * 1_000_000n);
}

const attr = (key: string, value: unknown) => ({
  key,
  value: { stringValue: typeof value === 'string' ? value : JSON.stringify(value) },
});

/** Turns one (possibly multiline) text into an OTLP log record with the configured parser. */
export class RecordBuilder {
  private readonly regex?: RegExp;

  constructor(private readonly parser: ParserOptions) {
    if (parser.regex) this.regex = new RegExp(parser.regex);
  }

  build(text: string, observedNanos: string): { record: LogRecord; parseFailed: boolean } {
    const record: LogRecord = { observedTimeUnixNano: observedNanos, body: { stringValue: text }, attributes: [] };
    let fields: Record<string, unknown> | undefined;
    let parseFailed = false;
    if (this.parser.type === 'json') {
      try {
        const parsed = JSON.parse(text) as unknown;
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) fields = parsed as Record<string, unknown>;
        else parseFailed = true;
      } catch {
        parseFailed = true;
      }
    } else if (this.regex) {
      const groups = this.regex.exec(text)?.groups;
      if (groups) fields = { ...groups };
      else parseFailed = true;
    }
    if (fields) {
      const { [this.parser.timestamp_field]: ts, [this.parser.severity_field]: sev, [this.parser.body_field]: body, ...rest } = fields;
      const t = timeNanos(ts);
      if (t) record.timeUnixNano = t;
      if (body !== undefined) record.body = { stringValue: typeof body === 'string' ? body : JSON.stringify(body) };
      record.attributes = Object.entries(rest).filter(([, v]) => v !== undefined).map(([k, v]) => attr(k, v));
      const severity = severityOf(String(sev ?? ''));
      record.severityNumber = severity.number;
      record.severityText = sev !== undefined ? String(sev) : '';
    } else {
      const severity = severityOf(text.slice(0, 200));
      record.severityNumber = severity.number;
      record.severityText = severity.text;
    }
    return { record, parseFailed };
  }
}
