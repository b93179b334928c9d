import { describe, expect, it } from 'vitest';
import { renderTemplate, validateTemplates } from './template.ts';

const render = (template: string, value: number, labels: Record<string, string> = {}) => renderTemplate(template, labels, value);

// Expected strings are what Prometheus 2.x/3.x renders for the same template and value.
describe('alert templates', () => {
  it('humanize uses SI prefixes up and down', () => {
    expect([0, 1, 999, 1000, 1234567, -2500, 0.005, 0.000123].map((v) => render('{{ humanize $value }}', v))).toEqual(['0', '1', '999', '1k', '1.235M', '-2.5k', '5m', '123u']);
  });

  it('humanize1024 uses binary prefixes', () => {
    expect([0.5, 1, 1023, 1024, 1536, 1048576, 5 * 1024 ** 3].map((v) => render('{{ humanize1024 $value }}', v))).toEqual(['0.5', '1', '1023', '1ki', '1.5ki', '1Mi', '5Gi']);
  });

  it('humanizePercentage and humanizeDuration', () => {
    expect([0.1234, 1, 0.000051].map((v) => render('{{ humanizePercentage $value }}', v))).toEqual(['12.34%', '100%', '0.0051%']);
    expect([0, 0.25, 1.5, 59.99, 60, 75, 3600, 90061, -90].map((v) => render('{{ humanizeDuration $value }}', v))).toEqual([
      '0s', '250ms', '1.5s', '59.99s', '1m 0s', '1m 15s', '1h 0m 0s', '1d 1h 1m 1s', '-1m 30s',
    ]);
  });

  it('labels with dots, a missing label as empty, and $value as is', () => {
    expect(render('{{ $labels.host.name }}:{{ $labels.missing }}:{{ $value }}', 0.95, { 'host.name': 'db-1' })).toBe('db-1::0.95');
    expect(render('no templates here', 1)).toBe('no templates here');
  });

  it('unsupported expressions are reported when rules are loaded', () => {
    expect(validateTemplates('{{ $labels.x | upper }}')).toMatch(/unsupported template expression/);
    expect(validateTemplates('{{ humanise $value }}')).toMatch(/unknown template function "humanise"/);
    expect(validateTemplates('{{ .Labels.x }}')).toMatch(/unsupported template operand/);
    expect(validateTemplates('{{ humanize $labels.x }}')).toBeUndefined();
  });
});
