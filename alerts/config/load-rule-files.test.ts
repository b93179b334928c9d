import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRuleFiles } from './load-rule-files.ts';

const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('rule files', () => {
  it('report every mistake with its file and path', async () => {
    const bad = file(
      'bad.yaml',
      `groups:
  - name: g
    interval: soon
    rules:
      - alert: bad-name
        kind: threshold
        metric: x
        op: "=>"
        value: 1
      - alert: Q
        kind: threshold
        metric: y
        aggregation: quantile
        op: ">"
        value: 1
      - alert: L
        kind: logs
        op: ">"
        value: 1
        colour: red
      - alert: W
        kind: weird
`,
    );
    const result = await loadRuleFiles([bad]);
    expect(result.ok).toBe(false);
    const lines = !result.ok ? result.problems.map((p) => `${p.path}: ${p.message}`) : [];
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^groups\[0\]\.interval: expected a duration/),
        'groups[0].rules[0].alert: expected an alert name like NodeDown',
        expect.stringMatching(/^groups\[0\]\.rules\[0\]\.op: /),
        'groups[0].rules[1].quantile: required when aggregation is "quantile"',
        'groups[0].rules[2]: Unrecognized key: "colour"',
        expect.stringMatching(/^groups\[0\]\.rules\[3\]\.kind: /),
      ]),
    );
    expect(!result.ok && result.problems.every((p) => p.file === bad)).toBe(true);
  });

  it('reject templates the renderer does not support', async () => {
    const bad = file(
      'template.yaml',
      `groups:
  - name: g
    rules:
      - alert: T
        kind: sql
        query: SELECT 1 AS value
        annotations:
          summary: "{{ $labels.x | upper }}"
          other: "{{ humanise $value }}"
`,
    );
    const result = await loadRuleFiles([bad]);
    expect(!result.ok && result.problems.map((p) => p.path)).toEqual(['groups[0].rules[0].annotations.summary', 'groups[0].rules[0].annotations.other']);
  });

  it('report mistakes across rules of several kinds, each at its path', async () => {
    const bad = file(
      'bad-kinds.yaml',
      `groups:
  - name: g
    interval: 0s
    rules:
      - alert: Rate
        kind: threshold
        metric: requests
        aggregation: rate
        window: 0m
        op: ">"
        value: 1
      - alert: Gone
        kind: absent
        window: 10m
        lookback: 5m
        for: -1
      - alert: Hot
        kind: sql
        query: SELECT 1 AS value
        labels: { severity: page }
      - alert: Hot
        kind: sql
        query: SELECT 2 AS value
        labels: { severity: page, summary: "{{ $value }}" }
      - alert: Hot
        kind: sql
        query: SELECT 3 AS value
        labels: { severity: ticket }
`,
    );
    const result = await loadRuleFiles([bad]);
    const lines = !result.ok ? result.problems.map((p) => `${p.path}: ${p.message}`) : [];
    expect(lines).toEqual([
      'groups[0].interval: expected a duration above 0',
      'groups[0].rules[0].window: expected a duration above 0',
      'groups[0].rules[0].metric_type: aggregation "rate" is for counters: set metric_type: sum',
      'groups[0].rules[1].for: expected a duration of 0 or more',
      'groups[0].rules[1].lookback: must be longer than window: sources are remembered for lookback and alerted on after window',
      'groups[0].rules[3].labels: rules[2] is also "Hot" with the same constant labels: add a label that tells them apart (e.g. severity)',
    ]);
  });

  it('accept the shipped examples', async () => {
    const examples = ['node-down', 'high-cpu', 'disk-filling', 'error-burst', 'slo-burn'].map((n) => join(import.meta.dirname, '../examples', `${n}.yaml`));
    const result = await loadRuleFiles(examples);
    expect(result.ok && result.groups.length).toBe(5);
  });
});
