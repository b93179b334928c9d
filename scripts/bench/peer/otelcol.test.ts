import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { otelcolConfig } from './otelcol.ts';

// Built by scripts/otelcol/build.sh (bench:peer and .ci/run run it; only without Go does this skip).
const BINARY = join(process.env.VIGIL_CACHE_DIR ?? join(homedir(), '.cache/vigil'), 'bin/otelcol-vigil-peer');

describe('the OpenTelemetry Collector bench:peer compares with', () => {
  const config = otelcolConfig({ httpPort: 24318, metricsPort: 24888, brokers: '127.0.0.1:29092,127.0.0.1:29093', topic: 'otlp_logs_peer' });

  it('answers only once records are in Kafka with acks=all, gzip, keyed by resource like vigil', () => {
    const kafka = (config.exporters as Record<string, Record<string, unknown>>).kafka!;
    expect(kafka.producer).toMatchObject({ required_acks: 'all', compression: 'gzip' });
    expect(kafka.sending_queue).toEqual({ enabled: false });
    expect(kafka.partition_logs_by_resource_attributes).toBe(true);
    expect(kafka.brokers).toEqual(['127.0.0.1:29092', '127.0.0.1:29093']);
    expect((config.service as { pipelines: unknown }).pipelines).toEqual({ logs: { receivers: ['otlp'], exporters: ['kafka'] } });
  });

  it.skipIf(!existsSync(BINARY))('is a configuration the built collector accepts (skipped only where Go is absent: scripts/otelcol/build.sh)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-otelcol-config-'));
    try {
      writeFileSync(join(dir, 'otelcol.yaml'), stringify(config));
      const validated = spawnSync(BINARY, ['validate', '--config', join(dir, 'otelcol.yaml')], { encoding: 'utf8' });
      expect(validated.stderr).toBe('');
      expect(validated.status).toBe(0);
      // A key the exporter does not know is refused, so the check above can fail.
      writeFileSync(join(dir, 'bad.yaml'), stringify({ ...config, exporters: { kafka: { producer: { required_acks: 'most' } } } }));
      expect(spawnSync(BINARY, ['validate', '--config', join(dir, 'bad.yaml')], { encoding: 'utf8' }).status).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
