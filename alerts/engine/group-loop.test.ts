import { describe, expect, it } from 'vitest';
import { GroupLoop } from './group-loop.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a rule group loop', () => {
  it('never runs two evaluations of a group at once: a tick during one is a missed iteration', async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    let finished = 0;
    const missed: number[] = [];
    const loop = new GroupLoop(
      50,
      async () => {
        runs++;
        running++;
        maxRunning = Math.max(maxRunning, running);
        await sleep(180);
        running--;
        finished++;
      },
      (n) => missed.push(n),
    );
    loop.start();
    loop.start(); // idempotent: still one timer
    await sleep(500);
    await loop.stop();
    expect(maxRunning).toBe(1);
    // Ten ticks in 500 ms, but each evaluation takes 180 ms: at most 3 run, the rest are missed.
    expect(runs).toBeGreaterThanOrEqual(1);
    expect(runs).toBeLessThanOrEqual(3);
    expect(missed.length).toBeGreaterThanOrEqual(1);
    expect(loop.missed).toBe(missed.length);
    // stop() waited for the evaluation in flight, and nothing starts after it.
    expect(finished).toBe(runs);
    await sleep(120);
    expect(runs).toBe(finished);
  });

  it('evaluates at once on start, then every interval', async () => {
    const at: number[] = [];
    const t0 = Date.now();
    const loop = new GroupLoop(100, async () => void at.push(Date.now() - t0), () => {});
    loop.start();
    expect(at).toHaveLength(1);
    await sleep(350);
    await loop.stop();
    expect(at.length).toBeGreaterThanOrEqual(2);
    expect(at.length).toBeLessThanOrEqual(5);
  });
});
