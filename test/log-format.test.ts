import { spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './support/vigil-process.ts';

// `vigil start` speaks JSON lines to machines and readable lines plus a banner to a person.
const ROOT = join(import.meta.dirname, '..');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Runs `command` until `until` shows in stdout, then stops it with SIGTERM; returns stdout. */
async function runUntil(command: string, args: string[], until: RegExp): Promise<{ out: string; code: number | null }> {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, VIGIL_LOG_LEVEL: 'info', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((res) => child.once('exit', res));
  await new Promise<void>((resolve, reject) => {
    // Generous: startup on a machine shared with other builds has taken over a minute.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out waiting for ${until}: ${out}${err}`));
    }, 180_000);
    child.stdout!.on('data', (d) => {
      out += d;
      if (until.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.on('data', (d) => (err += d));
    void exited.then((code) => reject(new Error(`exited ${code}: ${out}${err}`)));
  });
  child.kill('SIGTERM');
  return { out, code: await exited };
}

// Every listener on a free port; the OTLP/gRPC one only where this build has it.
const hasGrpc = spawnSync(process.execPath, [join(ROOT, 'bin/vigil.js'), 'start', '--help'], { cwd: ROOT, encoding: 'utf8' }).stdout.includes('--otlp-grpc-port');
const startArgs = (dir: string, ...extra: string[]) => [
  join(ROOT, 'bin/vigil.js'), 'start', '--data-dir', join(dir, 'data'), '--otlp-port', '0', '--http-port', '0',
  ...(hasGrpc ? ['--otlp-grpc-port', '0'] : []),
  ...extra,
];

// Concurrent: each case is a separate process on its own data dir and ports.
describe.concurrent('vigil start log format', { timeout: 240_000 }, () => {
  it('writes JSON lines and no banner when stdout is not a terminal', async () => {
    const dir = tempDir('logfmt-json');
    dirs.push(dir);
    const { out, code } = await runUntil(process.execPath, startArgs(dir), /"msg":"vigil started"/);
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    expect(out).not.toContain('vigil is running');
  });

  it('--log-format pretty prints readable lines and the banner with endpoints, data dir and the export line', async () => {
    const dir = tempDir('logfmt-pretty');
    dirs.push(dir);
    const { out, code } = await runUntil(process.execPath, startArgs(dir, '--log-format', 'pretty'), /Ctrl-C stops it/);
    expect(code).toBe(0);
    expect(out).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO.*vigil started/m);
    const otlp = /OTLP\/HTTP\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    expect(otlp).toBeDefined();
    expect(out).toMatch(/UI and API\s+http:\/\/127\.0\.0\.1:\d+\//);
    expect(out).toContain(`Data        ${join(dir, 'data')}`);
    expect(out).toContain(`export OTEL_EXPORTER_OTLP_ENDPOINT=${otlp}`);
    // Readable lines only: a log line that is still JSON would mean the flag was ignored.
    expect(out.split('\n').some((l) => l.startsWith('{'))).toBe(false);
  });

  it('refuses an unknown format, naming the choices', () => {
    const result = spawnSync(process.execPath, [join(ROOT, 'bin/vigil.js'), 'start', '--log-format', 'xml'], { cwd: ROOT, encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/xml.*json, pretty|json, pretty.*xml/s);
  });

  // A pseudo-terminal through util-linux `script`, where present: auto means pretty there.
  it.skipIf(!existsSync('/usr/bin/script'))('picks readable lines on its own when stdout is a terminal', async () => {
    const dir = tempDir('logfmt-tty');
    dirs.push(dir);
    const cmd = [process.execPath, ...startArgs(dir)].map((a) => `'${a}'`).join(' ');
    const { out } = await runUntil('/usr/bin/script', ['-qfec', cmd, '/dev/null'], /Ctrl-C stops it/);
    expect(out).toContain('vigil is running');
    expect(out).toMatch(/INFO.*vigil started/);
  });
});
