import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { FakeClock } from '../../core/clock/index.ts';
import { formatPath } from '../../core/config/index.ts';
import { requestToRows, type KeyValue, type Metric } from '../../core/model/index.ts';
import { ChdbStore, migrate, type Store } from '../../core/store/index.ts';
import { silentLogger } from '../../core/telemetry/index.ts';
import { loadRuleFiles } from '../config/load-rule-files.ts';
import type { RuleGroup } from '../config/rule-schema.ts';
import { AlertsEngine } from '../engine/alerts-engine.ts';
import { expandValues } from './expand-values.ts';
import { ruleTestFileSchema, type RuleTest } from './test-file-schema.ts';

export interface RuleTestResult {
  file: string;
  test: string;
  failures: string[];
}

const RESOURCE_KEYS = new Set(['host.name', 'service.name']);
const TABLES = ['otel_logs', 'otel_metrics_gauge', 'otel_metrics_sum', 'otel_metrics_histogram', 'vigil_logs_1m', 'vigil_metrics_1m', 'vigil_alert_state', 'vigil_alerts'];
const kv = (labels: Record<string, string>): KeyValue[] => Object.entries(labels).map(([key, v]) => ({ key, value: { stringValue: v } }));
const split = (labels: Record<string, string>) => ({
  resource: Object.fromEntries(Object.entries(labels).filter(([k]) => RESOURCE_KEYS.has(k))),
  point: Object.fromEntries(Object.entries(labels).filter(([k]) => !RESOURCE_KEYS.has(k))),
});
const nanos = (ms: number) => `${BigInt(ms) * 1_000_000n}`;

/**
 * `vigil rules test`: promtool-style unit tests for rules, run on an ephemeral embedded store
 * (one per process: chDB allows one data directory per process), truncated between tests.
 */
export async function runRuleTestFiles(files: string[], store?: Store): Promise<RuleTestResult[]> {
  let own: { store: ChdbStore; dir: string } | undefined;
  if (!store) {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-test-'));
    own = { store: new ChdbStore({ path: dir }), dir };
    store = own.store;
    await store.start();
    await migrate(store, { database: store.database, ttlDays: 30 });
  }
  try {
    const results: RuleTestResult[] = [];
    for (const file of files) results.push(...(await runFile(file, store)));
    return results;
  } finally {
    if (own) {
      await own.store.shutdown();
      rmSync(own.dir, { recursive: true, force: true });
    }
  }
}

async function runFile(file: string, store: Store): Promise<RuleTestResult[]> {
  const doc = parseDocument(await readFile(file, 'utf8'));
  const parsed = ruleTestFileSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    return [{ file, test: '(file)', failures: parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`) }];
  }
  const ruleFiles = parsed.data.rule_files.map((f) => resolve(dirname(file), f));
  const rules = await loadRuleFiles(ruleFiles);
  if (!rules.ok) return [{ file, test: '(rules)', failures: rules.problems.map((p) => `${p.file}: ${p.path}: ${p.message}`) }];
  const results: RuleTestResult[] = [];
  for (const [i, test] of parsed.data.tests.entries()) {
    for (const table of TABLES) await store.exec(`TRUNCATE TABLE IF EXISTS ${table}`);
    const failures = await runTest(test, store, rules.groups, parsed.data.evaluation_interval);
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
  let t = 0;
  for (const check of [...test.alert_rule_test].sort((a, b) => a.eval_time - b.eval_time)) {
    for (; t <= check.eval_time; t += evaluationInterval) {
      clock.set(base + t);
      for (const g of groups) await engine.evaluateGroup(g.name);
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
  const broken = engine.rules().filter((r) => r.health === 'err');
  for (const r of broken) failures.push(`rule ${r.name} failed to evaluate: ${r.lastError}`);
  return failures;
}

async function loadInputs(test: RuleTest, store: Store, base: number): Promise<void> {
  for (const s of test.input_series) {
    const { resource, point } = split(s.labels);
    const values = expandValues(s.values);
    const dataPoints = values.flatMap((v, i) =>
      v === undefined ? [] : [{ asDouble: v, attributes: kv(point), timeUnixNano: nanos(base + i * test.interval), startTimeUnixNano: nanos(base) }],
    );
    const metric: Metric =
      s.type === 'sum' ? { name: s.metric, sum: { dataPoints, aggregationTemporality: 2, isMonotonic: true } } : { name: s.metric, gauge: { dataPoints } };
    for (const t of requestToRows('metrics', { resourceMetrics: [{ resource: { attributes: kv(resource) }, scopeMetrics: [{ metrics: [metric] }] }] })) {
      await store.insertRows(t.table, t.rows);
    }
  }
  for (const h of test.input_histograms) {
    const { resource, point } = split(h.labels);
    const dataPoints = h.buckets.map((counts, i) => ({
      attributes: kv(point),
      startTimeUnixNano: nanos(base + (i - 1) * test.interval),
      timeUnixNano: nanos(base + i * test.interval),
      count: String(counts.reduce((a, b) => a + b, 0)),
      sum: 0,
      bucketCounts: counts.map(String),
      explicitBounds: h.explicit_bounds,
    }));
    const metric: Metric = { name: h.metric, histogram: { dataPoints, aggregationTemporality: 1 } };
    for (const t of requestToRows('metrics', { resourceMetrics: [{ resource: { attributes: kv(resource) }, scopeMetrics: [{ metrics: [metric] }] }] })) {
      await store.insertRows(t.table, t.rows);
    }
  }
  for (const l of test.input_logs) {
    const { resource, point } = split(l.labels);
    const logRecords = expandValues(l.values).flatMap((n, i) =>
      Array.from({ length: n ?? 0 }, (_, k) => ({
        timeUnixNano: nanos(base + i * test.interval + k),
        severityText: l.severity,
        body: { stringValue: l.body },
        attributes: kv(point),
      })),
    );
    for (const t of requestToRows('logs', { resourceLogs: [{ resource: { attributes: kv(resource) }, scopeLogs: [{ logRecords }] }] })) {
      await store.insertRows(t.table, t.rows);
    }
  }
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
