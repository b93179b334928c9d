import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = resolve(import.meta.dirname, '../..');

export interface VigilProcess {
  otlp: string;
  api: string;
  child: ChildProcess;
  logs: Array<Record<string, unknown>>;
  /** SIGTERM and wait for a clean exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: no flush, no goodbye. */
  kill(): Promise<void>;
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `vigil-${prefix}-`));
}

/** Runs `vigil start` as users do, on free ports, and waits for "vigil started". */
export async function startVigil(
  dataDir: string,
  config: Record<string, unknown> = {},
  command: 'start' | 'collector' | 'processor' | 'alerts' = 'start',
): Promise<VigilProcess> {
  const configFile = join(dataDir, '..', `${dataDir.split('/').pop()}-vigil.yaml`);
  writeFileSync(configFile, JSON.stringify(config));
  const child = spawn(
    process.execPath,
    // VIGIL_CHILD_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the vigil processes tests and benchmarks start.
    [...(process.env.VIGIL_CHILD_NODE_ARGS?.split(' ').filter(Boolean) ?? []), join(ROOT, 'bin/vigil.cjs'), command, '--config', configFile, '--data-dir', dataDir, '--otlp-port', '0', '--otlp-grpc-port', '0', '--http-port', '0'],
    { cwd: ROOT, env: { ...process.env, VIGIL_LOG_LEVEL: process.env.VIGIL_TEST_LOG_LEVEL ?? 'info' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const started = new Promise<Record<string, unknown>>((res, rej) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === 'vigil started') res(entry);
      } catch {
        logs.push({ raw: line });
      }
    });
    void exited.then((code) => rej(new Error(`vigil exited with ${code} before starting: ${stderr.slice(-2000)} ${JSON.stringify(logs.slice(-5))}`)));
  });
  const entry = await started;
  const api = entry.api ? String(entry.api) : '';
  return {
    otlp: entry.otlp ? String(entry.otlp) : '',
    api,
    child,
    logs,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
    query: async <T>(sql: string) => {
      const response = await fetch(`${api}/api/v1/query`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ sql }),
      });
      const body = (await response.json()) as { data: T[]; error?: string };
      if (!response.ok) throw new Error(`query failed (${response.status}): ${body.error}`);
      return body.data;
    },
  };
}

/** Polls `probe` until it returns true or the deadline passes. */
export async function eventually(probe: () => Promise<boolean>, timeoutMs = 30_000, everyMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await probe()) return;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${lastError ? `: ${(lastError as Error).message}` : ''}`);
}

/** Runs the instrumented sample service against a vigil and returns what it says it sent. */
export async function runSampleService(otlp: string, protocol: 'protobuf' | 'json' | 'grpc', runId: string, logCount = 20, compression: 'gzip' | 'none' = 'none') {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/fixtures/sample-service.ts')], {
    cwd: ROOT,
    env: { ...process.env, OTLP_PROTOCOL: protocol, OTLP_ENDPOINT: otlp, OTLP_COMPRESSION: compression, RUN_ID: runId, LOG_COUNT: String(logCount) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((res) => child.once('exit', res));
  if (code !== 0) throw new Error(`sample service exited ${code}: ${err}`);
  return JSON.parse(out.trim().split('\n').pop()!) as {
    runId: string;
    spans: Array<{ traceId: string; spanId: string; parentSpanId: string; name: string }>;
    logs: number;
  };
}
