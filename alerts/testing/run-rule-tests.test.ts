import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeEphemeralStore } from './ephemeral-store.ts';
import { runRuleTestFiles } from './run-rule-tests.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const EXAMPLES = join(ROOT, 'alerts/examples');
const dir = mkdtempSync(join(tmpdir(), 'vigil-rule-tests-'));
afterAll(async () => {
  await closeEphemeralStore();
  rmSync(dir, { recursive: true, force: true });
});
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const vigil = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin/vigil.js'), ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, VIGIL_LOG_LEVEL: 'silent' } });

file(
  'hot.yaml',
  `groups:
  - name: g
    interval: 1m
    rules:
      - alert: Hot
        kind: threshold
        metric: temp
        aggregation: max
        window: 1m
        group_by: [host.name]
        op: ">"
        value: 50
        for: 2m
        annotations: { summary: "{{ $labels.host.name }} at {{ $value }}" }
      - alert: Broken
        kind: sql
        query: SELECT value FROM missing_table
`,
);

describe('rule unit tests', () => {
  it('report an expectation that does not hold, with what was expected and what fired', async () => {
    const tests = file(
      'hot.test.yaml',
      `rule_files: [hot.yaml]
evaluation_interval: 1m
tests:
  - name: fires after 2 minutes
    input_series:
      - { metric: temp, labels: { host.name: a }, values: "60x5" }
    alert_rule_test:
      - { eval_time: 1m, alertname: Hot, exp_alerts: [] }
      - eval_time: 2m
        alertname: Hot
        exp_alerts: [{ exp_labels: { host.name: a }, exp_annotations: { summary: "a at 60" } }]
  - name: wrong on purpose
    input_series:
      - { metric: temp, labels: { host.name: a }, values: "60x5" }
    alert_rule_test:
      - eval_time: 1m
        alertname: Hot
        exp_alerts: [{ exp_labels: { host.name: a } }]
      - eval_time: 3m
        alertname: Hot
        exp_alerts: [{ exp_labels: { host.name: b } }]
      - { eval_time: 3m, alertname: Cold, exp_alerts: [] }
`,
    );
    const results = await runRuleTestFiles([tests]);
    expect(results.map((r) => [r.test, r.failures.length])).toEqual([
      ['fires after 2 minutes', 1],
      ['wrong on purpose', 4],
    ]);
    // The rule that cannot evaluate fails every test of its file.
    expect(results[0]!.failures).toEqual([expect.stringMatching(/^rule Broken failed to evaluate: .*missing_table/)]);
    const wrong = results[1]!.failures;
    expect(wrong[0]).toBe('tests[1].alert_rule_test[2].alertname: no rule named "Cold" in hot.yaml');
    expect(wrong[1]).toBe('alertname: Hot, time: 60s,\n    exp: [{"labels":{"host.name":"a"}}]\n    got: []');
    expect(wrong[2]).toBe('alertname: Hot, time: 180s,\n    exp: [{"labels":{"host.name":"b"}}]\n    got: [{"labels":{"host.name":"a"},"annotations":{"summary":"a at 60"}}]');
  });

  it('report a broken test file or rule file with paths, and keep going', async () => {
    const badTest = file('bad.test.yaml', 'rule_files: [hot.yaml]\ntests:\n  - interval: soon\n    input_series: [{ metric: temp }]\n');
    const badRules = file('bad-rules.test.yaml', `rule_files: [${file('bad-rules.yaml', 'groups: [{ name: g, rules: [{ alert: X, kind: nope }] }]\n')}]\ntests: [{ alert_rule_test: [] }]\n`);
    const missing = join(dir, 'missing.test.yaml');
    const results = await runRuleTestFiles([badTest, badRules, missing]);
    expect(results.map((r) => [r.test, r.failures])).toEqual([
      ['(file)', [expect.stringMatching(/^tests\[0\]\.interval: expected a duration/), 'tests[0].input_series[0].values: Invalid input: expected string, received undefined']],
      ['(rules)', [expect.stringMatching(/bad-rules\.yaml: groups\[0\]\.rules\[0\]\.kind: /)]],
      ['(file)', [expect.stringMatching(/^cannot read: ENOENT/)]],
    ]);
  });
});

describe('vigil rules check|test', () => {
  it('pass the shipped examples and exit 0', () => {
    const check = vigil('rules', 'check', ...['node-down', 'high-cpu', 'disk-filling', 'error-burst', 'slo-burn'].map((n) => join(EXAMPLES, `${n}.yaml`)));
    expect(check.stdout).toBe('SUCCESS: 5 rules in 5 groups\n');
    expect(check.status).toBe(0);
    const test = vigil('rules', 'test', ...['node-down', 'high-cpu', 'disk-filling', 'error-burst', 'slo-burn'].map((n) => join(EXAMPLES, `${n}.test.yaml`)));
    expect(test.stdout).toMatch(/^6 passed, 0 failed$/m);
    expect(test.status).toBe(0);
  });

  it('exit 1 on a failing rule test or a rule file with mistakes, printing each with its path', () => {
    const test = vigil('rules', 'test', join(dir, 'hot.test.yaml'));
    expect(test.stdout).toMatch(/FAIL .*hot\.test\.yaml: wrong on purpose/);
    expect(test.stdout).toMatch(/^0 passed, 2 failed$/m);
    expect(test.status).toBe(1);
    const check = vigil('rules', 'check', join(dir, 'bad-rules.yaml'), join(dir, 'hot.yaml'));
    expect(check.stdout).toMatch(/bad-rules\.yaml: groups\[0\]\.rules\[0\]\.kind: /);
    expect(check.status).toBe(1);
  });
});
