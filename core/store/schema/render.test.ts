import { describe, expect, it } from 'vitest';
import { renderMigrations } from '../migrate.ts';

describe('cluster DDL', () => {
  const statements = renderMigrations({ database: 'obs', cluster: 'prod', ttlDays: 14 });

  it('renders every table ON CLUSTER with a Replicated engine and a replicated dedup window', () => {
    const tables = statements.filter((s) => s.startsWith('CREATE TABLE'));
    const names = tables.map((ddl) => /^CREATE TABLE (?:IF NOT EXISTS )?`obs`\.`(\w+)`/.exec(ddl)?.[1]);
    expect(names.sort()).toEqual(
      [
        'vigil_schema_migrations', 'otel_logs', 'otel_traces', 'otel_metrics_gauge', 'otel_metrics_sum', 'otel_metrics_histogram',
        'otel_metrics_exponential_histogram', 'otel_metrics_summary', 'vigil_logs_1m', 'vigil_metrics_1m', 'vigil_alert_state',
        'vigil_alerts', 'vigil_notifications', 'vigil_silences', 'vigil_hook_runs',
      ].sort(),
    );
    for (const ddl of tables) {
      expect(ddl).toContain('ON CLUSTER `prod`');
      expect(ddl).toMatch(/ENGINE = Replicated(MergeTree|AggregatingMergeTree|ReplacingMergeTree)\(/);
      expect(ddl).toContain('replicated_deduplication_window = 1000');
      expect(ddl).not.toContain('non_replicated_deduplication_window');
    }
  });

  it('renders materialized views ON CLUSTER into the qualified rollup tables', () => {
    const views = statements.filter((s) => s.startsWith('CREATE MATERIALIZED VIEW'));
    expect(views).toHaveLength(3);
    for (const ddl of views) expect(ddl).toMatch(/ON CLUSTER `prod` TO `obs`\.`vigil_(logs|metrics)_1m`/);
  });

  it('applies the configured TTL', () => {
    const logs = statements.find((s) => s.includes('`obs`.`otel_logs`'))!;
    expect(logs).toContain('TTL TimestampTime + toIntervalDay(14)');
  });

  it('renders plain engines without a cluster', () => {
    const single = renderMigrations({ database: 'default', ttlDays: 30 });
    expect(single.join('\n')).not.toContain('ON CLUSTER');
    expect(single.join('\n')).not.toContain('Replicated');
  });
});
