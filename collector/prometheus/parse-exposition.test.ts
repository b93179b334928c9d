import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExpositionError, parseExposition, SampleLimitError } from './parse-exposition.ts';

const limits = { maxSamples: 100_000 };
const NODE_EXPORTER = readFileSync(join(import.meta.dirname, 'testdata/node-exporter.prom'), 'utf8');

describe('parseExposition', () => {
  it('reads a real node_exporter page: every sample, in typed families', () => {
    const families = parseExposition(NODE_EXPORTER, false, limits);
    const samples = NODE_EXPORTER.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
    expect(families.reduce((n, f) => n + f.samples.length, 0)).toBe(samples);
    const cpu = families.find((f) => f.name === 'node_cpu_seconds_total')!;
    expect(cpu.type).toBe('counter');
    expect(cpu.samples[0]!.labels.map(([k]) => k).sort()).toEqual(['cpu', 'mode']);
    const gc = families.find((f) => f.name === 'go_gc_duration_seconds')!;
    expect(gc.type).toBe('summary');
    expect(gc.samples.map((s) => s.name)).toContain('go_gc_duration_seconds_count');
  });

  it('reads the text format: escapes, special values, timestamps, histograms', () => {
    const [escaped, weird, hist] = parseExposition(
      [
        'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9',
        'something_weird{problem="division by zero"} +Inf -3982045',
        '# HELP http_request_duration_seconds A histogram.',
        '# TYPE http_request_duration_seconds histogram',
        'http_request_duration_seconds_bucket{le="0.05"} 24054',
        'http_request_duration_seconds_bucket{le="+Inf"} 144320',
        'http_request_duration_seconds_sum 53423',
        'http_request_duration_seconds_count 144320',
      ].join('\n'),
      false,
      limits,
    );
    expect(escaped!.samples[0]!.labels).toEqual([['path', 'C:\\DIR\\FILE.TXT'], ['error', 'Cannot find file:\n"FILE.TXT"']]);
    expect(weird!.samples[0]).toEqual({ name: 'something_weird', labels: [['problem', 'division by zero']], value: Infinity, timestampMs: -3982045 });
    expect(hist!.type).toBe('histogram');
    expect(hist!.help).toBe('A histogram.');
    expect(hist!.samples).toHaveLength(4);
  });

  it('reads OpenMetrics: _total and _created in the counter family, units, exemplars, seconds timestamps, # EOF', () => {
    const [counter, info] = parseExposition(
      [
        '# TYPE requests counter',
        '# UNIT requests requests',
        'requests_total{path="/"} 7 1700000000.5 # {trace_id="abc"} 1 1700000000',
        'requests_created{path="/"} 1690000000',
        '# TYPE build info',
        'build_info{version="1.2"} 1',
        '# EOF',
        'garbage after eof',
      ].join('\n'),
      true,
      limits,
    );
    expect(counter).toMatchObject({ name: 'requests', type: 'counter', unit: 'requests' });
    expect(counter!.samples.map((s) => [s.name, s.value, s.timestampMs])).toEqual([['requests_total', 7, 1700000000500], ['requests_created', 1690000000, undefined]]);
    expect(info).toMatchObject({ name: 'build', type: 'info' });
  });

  it.each([
    ['a value that is not a number', 'up abc'],
    ['hex', 'up 0x10'],
    ['an unterminated label value', 'up{job="x} 1'],
    ['a label without a value', 'up{job} 1'],
    ['binary garbage', '\u0000\u0001\u0002\u0003'],
    ['an HTML page', '<html><body>Not here</body></html>'],
    ['an unknown type', '# TYPE up thing\nup 1'],
    ['too many fields', 'up 1 2 3'],
  ])('refuses %s with the line number', (_, text) => {
    expect(() => parseExposition(`ok 1\n${text}`, false, limits)).toThrow(/^line 2: /);
    expect(() => parseExposition(`ok 1\n${text}`, false, limits)).toThrow(ExpositionError);
  });

  it('stops at sample_limit without reading the rest of the page', () => {
    const page = Array.from({ length: 1001 }, (_, i) => `s{i="${i}"} ${i}`).join('\n');
    expect(() => parseExposition(page, false, { maxSamples: 1000 })).toThrow(SampleLimitError);
    expect(parseExposition(page, false, { maxSamples: 1001 })[0]!.samples).toHaveLength(1001);
  });
});
