import { existsSync, lstatSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sweepSpoolFiles } from './spool-sweep.ts';

const dir = mkdtempSync(join(tmpdir(), 'vigil-spool-sweep-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Above Linux's largest pid_max (2^22): no process can have it.
const DEAD_PID = 99_999_999;

describe('sweepSpoolFiles', () => {
  it("removes dead processes' spool files and nothing else", () => {
    const target = join(dir, 'target');
    writeFileSync(target, 'keep me');
    const files = {
      dead: join(dir, `vigil-${DEAD_PID}-1.rowbinary`),
      deadToo: join(dir, `vigil-${DEAD_PID}-27.rowbinary`),
      ours: join(dir, `vigil-${process.pid}-3.rowbinary`),
      parent: join(dir, `vigil-${process.ppid}-1.rowbinary`),
      deadLink: join(dir, `vigil-${DEAD_PID}-2.rowbinary`),
      otherName: join(dir, `vigil-${DEAD_PID}-1.rowbinary.bak`),
      deadButRecent: join(dir, `vigil-${DEAD_PID}-40.rowbinary`),
    };
    const hourAgo = new Date(Date.now() - 3_600_000);
    for (const [key, path] of Object.entries(files)) {
      if (key === 'deadLink') continue;
      writeFileSync(path, 'rows');
      if (key !== 'deadButRecent') utimesSync(path, hourAgo, hourAgo);
    }
    symlinkSync(target, files.deadLink);

    expect(sweepSpoolFiles(dir)).toBe(2);
    expect(existsSync(files.dead)).toBe(false);
    expect(existsSync(files.deadToo)).toBe(false);
    expect(existsSync(files.ours)).toBe(true);
    expect(existsSync(files.parent)).toBe(true);
    expect(existsSync(files.otherName)).toBe(true);
    // Minutes old: maybe a vigil in another pid namespace, mid-insert.
    expect(existsSync(files.deadButRecent)).toBe(true);
    // A link is neither followed nor removed.
    expect(lstatSync(files.deadLink).isSymbolicLink()).toBe(true);
    expect(existsSync(target)).toBe(true);
  });

  it('is a no-op on a directory that does not exist', () => {
    expect(sweepSpoolFiles(join(dir, 'missing'))).toBe(0);
  });
});
