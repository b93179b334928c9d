import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './support/vigil-process.ts';

const ROOT = resolve(import.meta.dirname, '..');
const dir = tempDir('cli');
const vigil = (...args: string[]) =>
  spawnSync(process.execPath, [join(ROOT, 'bin/vigil.js'), ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, VIGIL_LOG_LEVEL: 'silent' } });

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the vigil CLI', () => {
  it('prints help for the program and each subcommand', () => {
    const help = vigil('--help');
    expect(help.status).toBe(0);
    for (const command of ['start', 'config', 'query']) expect(help.stdout).toContain(command);
    const start = vigil('start', '--help');
    expect(start.stdout).toMatch(/--data-dir/);
    expect(start.stdout).toMatch(/--otlp-port/);
    expect(vigil('query', '--help').stdout).toMatch(/--format/);
  });

  it('config check reports every problem with its path and exits non-zero', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'store:\n  ttl_days: -3\n  colour: blue\ncollector:\n  otlp:\n    port: 70000\n  hostmetrics:\n    interval: soon\nbus:\n  kind: kafka\n');
    const result = vigil('config', 'check', file);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('store.ttl_days: expected a positive integer');
    expect(result.stdout).toContain('store: Unrecognized key: "colour"');
    expect(result.stdout).toContain('collector.otlp.port: expected a port number');
    expect(result.stdout).toMatch(/collector\.hostmetrics\.interval: expected a duration/);
    expect(result.stdout).toContain('bus.kafka.brokers: at least one broker is required');
  });

  it('config check accepts a good file and reports YAML syntax errors', () => {
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'store:\n  ttl_days: 7\ncollector:\n  hostmetrics:\n    interval: 30s\n');
    expect(vigil('config', 'check', good)).toMatchObject({ status: 0 });
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'store: [\n');
    const result = vigil('config', 'check', broken);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/YAML/);
  });

  it('config print shows the effective config with secrets redacted', () => {
    const file = join(dir, 'secret.yaml');
    writeFileSync(file, 'store:\n  kind: clickhouse\n  url: http://admin:hunter2@127.0.0.1:8123\n  password: hunter2\n');
    const result = vigil('config', 'print', '--config', file);
    expect(result.status).toBe(0);
    expect(result.stdout).not.toContain('hunter2');
    expect(result.stdout).toContain('password: <redacted>');
    expect(result.stdout).toContain('port: 4318');
  });

  it('start refuses a bad config at startup, naming the path', () => {
    const file = join(dir, 'bad-start.yaml');
    writeFileSync(file, 'api:\n  port: -1\n');
    const result = vigil('start', '--config', file);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('api.port: expected a port number');
  });

  it('query runs directly on the store when no instance is running', () => {
    const result = vigil('query', '--api', 'http://127.0.0.1:9', '--format', 'csv', 'SELECT 1 AS one, \'a,b\' AS two');
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('one,two\n1,"a,b"\n');
  });
});
