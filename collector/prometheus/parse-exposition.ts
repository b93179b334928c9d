/**
 * Parser for the Prometheus text exposition format (0.0.4) and OpenMetrics 1.0 text.
 *
 * Hand-written on purpose (see README, "Prometheus"): of the npm parsers, parse-prometheus-text-format
 * (last code change 2019) knows no OpenMetrics (`_total`/`_created` families, `# UNIT`, `# EOF`,
 * exemplars) and @platformatic/promotel 0.2 parses only the 0.0.4 format, into remote-write series
 * without families. The grammar is small; this follows the two specs and is table-tested.
 */

export type FamilyType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped' | 'unknown' | 'info' | 'stateset' | 'gaugehistogram';

export interface Sample {
  /** The sample's own name (`http_requests_total`, `rpc_seconds_bucket`). */
  name: string;
  labels: Array<[string, string]>;
  value: number;
  /** Milliseconds since the epoch, when the exposition gave one. */
  timestampMs?: number;
}

export interface Family {
  name: string;
  type: FamilyType;
  help: string;
  unit: string;
  samples: Sample[];
}

export class ExpositionError extends Error {
  override readonly name: string = 'ExpositionError';
}

/** The page has more samples than sample_limit: the scrape fails as a whole, as in Prometheus. */
export class SampleLimitError extends ExpositionError {
  override readonly name = 'SampleLimitError';
}

export interface ParseLimits {
  /** More samples than this fails the whole page (Prometheus's sample_limit). */
  maxSamples: number;
}

const TYPES = new Set<string>(['counter', 'gauge', 'histogram', 'summary', 'untyped', 'unknown', 'info', 'stateset', 'gaugehistogram']);
// Suffixes a sample may carry beyond its family's name, by family type.
const SUFFIXES: Partial<Record<FamilyType, string[]>> = {
  counter: ['_total', '_created'],
  histogram: ['_bucket', '_sum', '_count', '_created'],
  gaugehistogram: ['_bucket', '_gsum', '_gcount'],
  summary: ['_sum', '_count', '_created'],
  info: ['_info'],
};
const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

export function parseExposition(text: string, openMetrics: boolean, limits: ParseLimits): Family[] {
  const families = new Map<string, Family>();
  let current: Family | undefined;
  let samples = 0;
  let lineNo = 0;
  let start = 0;
  const family = (name: string): Family => {
    let f = families.get(name);
    if (!f) {
      f = { name, type: 'untyped', help: '', unit: '', samples: [] };
      families.set(name, f);
    }
    return f;
  };
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    lineNo += 1;
    if (line.length === 0 || /^\s*$/.test(line)) continue;
    try {
      if (line.startsWith('#')) {
        const meta = /^#\s+(HELP|TYPE|UNIT)\s+(\S+)(?:\s+(.*))?$/.exec(line);
        if (meta) {
          const [, kind, name, rest = ''] = meta;
          if (!NAME.test(name!)) throw new ExpositionError(`invalid metric name "${name}"`);
          const f = family(name!);
          if (kind === 'HELP') f.help = unescape(rest, false);
          else if (kind === 'UNIT') f.unit = rest.trim();
          else {
            const type = rest.trim().toLowerCase();
            if (!TYPES.has(type)) throw new ExpositionError(`unknown metric type "${type}"`);
            f.type = type as FamilyType;
          }
          current = f;
        } else if (openMetrics && line === '# EOF') {
          break;
        }
        continue;
      }
      if (++samples > limits.maxSamples) break;
      const sample = parseSample(line, openMetrics);
      // A sample belongs to the family just declared when its name is that family's or a
      // suffixed form of it; otherwise it is a family of its own (untyped).
      const owner = current && belongsTo(sample.name, current) ? current : family(sample.name);
      if (owner !== current) current = owner;
      owner.samples.push(sample);
    } catch (err) {
      throw new ExpositionError(`line ${lineNo}: ${(err as Error).message}`);
    }
  }
  if (samples > limits.maxSamples) throw new SampleLimitError(`more than ${limits.maxSamples} samples (sample_limit)`);
  return [...families.values()].filter((f) => f.samples.length > 0);
}

function belongsTo(sampleName: string, f: Family): boolean {
  if (sampleName === f.name) return true;
  if (!sampleName.startsWith(f.name)) return false;
  return (SUFFIXES[f.type] ?? []).includes(sampleName.slice(f.name.length));
}

function parseSample(line: string, openMetrics: boolean): Sample {
  let i = 0;
  while (i < line.length && /[a-zA-Z0-9_:]/.test(line[i]!)) i++;
  const name = line.slice(0, i);
  if (!NAME.test(name)) throw new ExpositionError(`expected a metric name, got "${line.slice(0, 40)}"`);
  const labels: Array<[string, string]> = [];
  if (line[i] === '{') {
    i++;
    for (;;) {
      while (line[i] === ' ') i++;
      if (line[i] === '}') {
        i++;
        break;
      }
      const labelStart = i;
      while (i < line.length && /[a-zA-Z0-9_]/.test(line[i]!)) i++;
      const label = line.slice(labelStart, i);
      if (!label) throw new ExpositionError(`expected a label name at column ${i + 1}`);
      while (line[i] === ' ') i++;
      if (line[i] !== '=' || line[i + 1] !== '"') throw new ExpositionError(`expected ="…" after label ${label}`);
      i += 2;
      let value = '';
      for (;;) {
        const c = line[i];
        if (c === undefined) throw new ExpositionError(`unterminated value of label ${label}`);
        i++;
        if (c === '"') break;
        if (c === '\\') {
          const e = line[i++];
          value += e === 'n' ? '\n' : e === '\\' ? '\\' : e === '"' ? '"' : `\\${e ?? ''}`;
        } else {
          value += c;
        }
      }
      labels.push([label, value]);
      while (line[i] === ' ') i++;
      if (line[i] === ',') i++;
      else if (line[i] !== '}') throw new ExpositionError(`expected , or } after label ${label}`);
    }
  }
  // The rest: value [timestamp] [# exemplar] (exemplars are OpenMetrics only, and ignored).
  let rest = line.slice(i);
  const exemplar = openMetrics ? rest.indexOf(' # ') : -1;
  if (exemplar !== -1) rest = rest.slice(0, exemplar);
  const parts = rest.trim().split(/\s+/);
  if (parts.length < 1 || parts.length > 2 || parts[0] === '') throw new ExpositionError(`expected a value${openMetrics ? '' : ' and an optional timestamp'} after ${name}`);
  const value = parseValue(parts[0]!);
  const sample: Sample = { name, labels, value };
  if (parts[1] !== undefined) {
    const ts = Number(parts[1]);
    if (!Number.isFinite(ts)) throw new ExpositionError(`invalid timestamp "${parts[1]}"`);
    // 0.0.4 gives integer milliseconds; OpenMetrics gives seconds (possibly fractional).
    sample.timestampMs = openMetrics ? ts * 1000 : ts;
  }
  return sample;
}

function parseValue(text: string): number {
  switch (text) {
    case '+Inf':
    case 'Inf':
    case '+inf':
    case 'inf':
      return Infinity;
    case '-Inf':
    case '-inf':
      return -Infinity;
    case 'NaN':
    case 'nan':
      return NaN;
  }
  const n = Number(text);
  // Number('') is 0 and Number('0x1') parses hex: neither is a Prometheus value.
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) || Number.isNaN(n)) throw new ExpositionError(`invalid value "${text.slice(0, 40)}"`);
  return n;
}

function unescape(text: string, quotes: boolean): string {
  return text.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === '\\' ? '\\' : quotes && c === '"' ? '"' : `\\${c}`));
}
