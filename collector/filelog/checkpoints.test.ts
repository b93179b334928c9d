import fs, { appendFileSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { ExportLogsServiceRequest } from '../../core/model/index.ts';
import { silentLogger } from '../../core/telemetry/index.ts';
import { Checkpoints } from './checkpoints.ts';
import { FilelogReceiver, type FilelogOptions } from './filelog-receiver.ts';

// Checkpoints keyed per file identity, durable renames, pruning, and O(1) lookups, with the
// real receiver over real files; emit records what was delivered so tests count lines per file.
const root = mkdtempSync(join(tmpdir(), 'vigil-checkpoints-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

let n = 0;
function setup(extra: Partial<FilelogOptions> = {}) {
  const dir = join(root, `case-${++n}`);
  fs.mkdirSync(dir, { recursive: true });
  const delivered: Array<{ file: string; body: string }> = [];
  const options: FilelogOptions = {
    include: [join(dir, '*.log')],
    exclude: [],
    startAt: 'beginning',
    pollIntervalMs: 3_600_000, // tests poll by hand
    fingerprintBytes: 64,
    maxLineBytes: 64 * 1024,
    maxBatchBytes: 256 * 1024,
    parser: { type: 'none', timestamp_field: 'timestamp', severity_field: 'level', body_field: 'message' },
    serviceName: 'checkpoints',
    checkpointFile: join(dir, '.state', 'checkpoints.json'),
    logger: silentLogger,
    emit: async (request: ExportLogsServiceRequest) => {
      for (const rl of request.resourceLogs ?? []) {
        const file = String(rl.resource?.attributes?.find((a) => a.key === 'log.file.name')?.value?.stringValue);
        for (const sl of rl.scopeLogs ?? []) for (const r of sl.logRecords ?? []) delivered.push({ file, body: String(r.body?.stringValue) });
      }
    },
    ...extra,
  };
  return { dir, delivered, options, make: () => new FilelogReceiver(options) };
}
async function run(receiver: FilelogReceiver, polls = 2): Promise<void> {
  await receiver.start();
  for (let i = 0; i < polls; i++) await receiver.poll();
  await receiver.shutdown();
}
const sorted = (items: Array<{ file: string; body: string }>) => items.map((d) => `${d.file}:${d.body}`).sort();

describe('filelog checkpoints', () => {
  it('keeps one entry per file when files share their first bytes (a common banner): nothing repeated or skipped after a restart', async () => {
    const { dir, delivered, make } = setup();
    const banner = `=== service started; build 2026.11.30; this banner is longer than fingerprint_bytes ===\n`;
    writeFileSync(join(dir, 'a.log'), `${banner}a1\na2\n`);
    writeFileSync(join(dir, 'b.log'), `${banner}b1\nb2\nb3\n`);
    await run(make());
    appendFileSync(join(dir, 'a.log'), 'a3\n');
    appendFileSync(join(dir, 'b.log'), 'b4\n');
    await run(make());
    const b = banner.trimEnd();
    expect(sorted(delivered)).toEqual([`a.log:${b}`, 'a.log:a1', 'a.log:a2', 'a.log:a3', `b.log:${b}`, 'b.log:b1', 'b.log:b2', 'b.log:b3', 'b.log:b4'].sort());
    const saved = JSON.parse(readFileSync(join(dir, '.state', 'checkpoints.json'), 'utf8')) as { files: Array<{ path: string }> };
    expect(saved.files.map((f) => f.path.split('/').pop()).sort()).toEqual(['a.log', 'b.log']);
  });

  it('fsyncs the checkpoint directory after the rename', () => {
    const file = join(root, 'durable', 'checkpoints.json');
    const opened = new Map<number, string>();
    const openSync = fs.openSync;
    vi.spyOn(fs, 'openSync').mockImplementation((path, ...rest) => {
      const fd = openSync(path, ...(rest as [fs.OpenMode]));
      opened.set(fd, String(path));
      return fd;
    });
    const synced: string[] = [];
    const fsyncSync = fs.fsyncSync;
    vi.spyOn(fs, 'fsyncSync').mockImplementation((fd) => {
      synced.push(opened.get(fd) ?? `fd ${fd}`);
      fsyncSync(fd);
    });
    const checkpoints = new Checkpoints(file);
    checkpoints.set({ id: 'x', fingerprint: 'ab', offset: 1, path: '/var/log/x.log' });
    checkpoints.save();
    expect(synced).toEqual([`${file}.tmp`, dirname(file)]);
  });

  it('forgets entries of files gone for longer than forgetCheckpointsAfterMs, keeps those of files still there', async () => {
    let clock = Date.parse('2026-11-30T12:00:00Z');
    const { dir, options, make } = setup({ now: () => clock, forgetCheckpointsAfterMs: 60_000 });
    writeFileSync(join(dir, 'stays.log'), 'a line that stays\n');
    writeFileSync(join(dir, 'gone.log'), 'a line of a file that goes\n');
    const receiver = make();
    await receiver.start();
    await receiver.poll();
    unlinkSync(join(dir, 'gone.log'));
    await receiver.poll();
    clock += 30_000;
    await receiver.poll();
    const names = () => (JSON.parse(readFileSync(options.checkpointFile, 'utf8')) as { files: Array<{ path: string }> }).files.map((f) => f.path.split('/').pop()).sort();
    expect(names()).toEqual(['gone.log', 'stays.log']); // not yet
    clock += 31_000;
    await receiver.poll();
    await receiver.shutdown();
    expect(names()).toEqual(['stays.log']);
  });

  it('finds open files by dev:ino, not by fstat()ing every open file for every globbed path', async () => {
    const { dir, make } = setup();
    const files = 150;
    for (let i = 0; i < files; i++) writeFileSync(join(dir, `f${i}.log`), `file ${i} line\n`);
    const receiver = make();
    await receiver.start();
    await receiver.poll();
    const probe = await open(join(dir, 'f0.log'), 'r');
    const stat = vi.spyOn(Object.getPrototypeOf(probe) as { stat: () => Promise<unknown> }, 'stat');
    await probe.close();
    await receiver.poll(); // nothing new: one pass over files already open
    const calls = stat.mock.calls.length;
    await receiver.shutdown();
    // Revalidation and the read loop stat each file a small constant number of times; a scan of
    // every open file per path would be files² (22,500).
    expect(calls).toBeLessThan(files * 4);
  });
});
