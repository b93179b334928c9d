import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { FakeClock } from '../../core/clock/index.ts';
import { formatPath } from '../../core/config/index.ts';
import type { Store } from '../../core/store/index.ts';
import { silentLogger } from '../../core/telemetry/index.ts';
import { loadRuleFiles } from '../config/load-rule-files.ts';
import type { RuleGroup } from '../config/rule-schema.ts';
import { AlertsEngine } from '../engine/alerts-engine.ts';
import { ephemeralStore, truncateTables } from './ephemeral-store.ts';
import { loadInputs } from './load-inputs.ts';
import { ruleTestFileSchema, type RuleTest } from './test-file-schema.ts';

export interface RuleTestResult {
  file: string;
  test: string;
  failures: string[];
}

/**
 * `vigil rules test`: promtool-style unit tests for rules. They run on the process's ephemeral
 * embedded store (or the one given), with the tables emptied before each test, through the
 * same engine `vigil start` runs, on a fake clock.
 */
export async function runRuleTestFiles(files: string[], store?: Store): Promise<RuleTestResult[]> {
  const target = store ?? (await ephemeralStore());
  const results: RuleTestResult[] = [];
  for (const file of files) results.push(...(await runFile(file, target)));
  return results;
}

async function runFile(file: string, store: Store): Promise<RuleTestResult[]> {
  const fileProblem = (failures: string[]) => [{ file, test: '(file)', failures }];
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return fileProblem([`cannot read: ${(err as Error).message}`]);
  }
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return fileProblem(doc.errors.map((e) => `(yaml): ${e.message.split('\n')[0]}`));
  const parsed = ruleTestFileSchema.safeParse(doc.toJS());
  if (!parsed.success) return fileProblem(parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`));
  const ruleFiles = parsed.data.rule_files.map((f) => resolve(dirname(file), f));
  const rules = await loadRuleFiles(ruleFiles);
  if (!rules.ok) return [{ file, test: '(rules)', failures: rules.problems.map((p) => `${p.file}: ${p.path}: ${p.message}`) }];
  const names = new Set(rules.groups.flatMap((g) => g.rules.map((r) => r.alert)));
  const results: RuleTestResult[] = [];
  for (const [i, test] of parsed.data.tests.entries()) {
    await truncateTables(store);
    const failures = test.alert_rule_test.flatMap((check, j) =>
      names.has(check.alertname) ? [] : [`tests[${i}].alert_rule_test[${j}].alertname: no rule named "${check.alertname}" in ${parsed.data.rule_files.join(', ')}`],
    );
    failures.push(...(await runTest(test, store, rules.groups, parsed.data.evaluation_interval)));
    results.push({ file, test: test.name || `tests[${i}]`, failures });
  }
  return results;
}

async function runTest(test: RuleTest, store: Store, groups: RuleGroup[], evaluationInterval: number): Promise<string[]> {
  // Recent enough to be inside the tables' TTL, aligned so that minutes line up.
  const base = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 6 * 3_600_000;
  await loadInputs(test, store, base);
  const clock = new FakeClock(base);
  const engine = new AlertsEngine({ store, groups, clock, notifier: { notify: async () => {} }, logger: silentLogger, queryTimeoutMs: 30_000 });
  const failures: string[] = [];
  const errors = new Set<string>();
  let t = 0;
  for (const check of [...test.alert_rule_test].sort((a, b) => a.eval_time - b.eval_time)) {
    for (; t <= check.eval_time; t += evaluationInterval) {
      clock.set(base + t);
      for (const g of groups) await engine.evaluateGroup(g.name);
      // A rule that fails at any step fails the test, even if it recovers later.
      for (const r of engine.rules()) if (r.health === 'err' && r.lastEvaluation === base + t) errors.add(`rule ${r.name} failed to evaluate: ${r.lastError}`);
    }
    const got = engine
      .alerts()
      .filter((a) => a.rule === check.alertname && a.state === 'firing')
      .map((a) => ({ labels: withoutName(a.labels), annotations: a.annotations }));
    const expected = check.exp_alerts.map((e) => ({ labels: e.exp_labels, annotations: e.exp_annotations }));
    const matches =
      got.length === expected.length &&
      expected.every((e) => got.some((g) => same(g.labels, e.labels) && (e.annotations === undefined || same(g.annotations, e.annotations))));
    if (!matches) {
      failures.push(
        `alertname: ${check.alertname}, time: ${check.eval_time / 1000}s,\n    exp: ${JSON.stringify(expected)}\n    got: ${JSON.stringify(got)}`,
      );
    }
  }
  return [...failures, ...errors];
}

function withoutName(labels: Record<string, string>): Record<string, string> {
  const { alertname: _, ...rest } = labels;
  return rest;
}

function same(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}
