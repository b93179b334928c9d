import { describe, expect, it } from 'vitest';
import { ByteBudget } from './byte-budget.ts';

const settled = async <T,>(p: Promise<T>): Promise<boolean> => {
  let done = false;
  void p.then(() => (done = true), () => (done = true));
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return done;
};

describe('ByteBudget', () => {
  it('lets a batch fill while it fits, and keeps the bytes until released', async () => {
    const budget = new ByteBudget(100);
    const { hold } = await budget.fill(async (h) => {
      await h.resize(40);
      await h.resize(60);
    });
    expect(budget.bytes).toBe(60);
    hold.release();
    hold.release(); // idempotent
    expect(budget.bytes).toBe(0);
    expect(budget.peakBytes).toBe(60);
    expect(budget.waits).toBe(0);
  });

  it('makes a batch that does not fit wait until an inserting batch releases, never passing the limit', async () => {
    const budget = new ByteBudget(100);
    const first = await budget.fill((h) => h.resize(70));
    const second = budget.fill((h) => h.resize(50));
    expect(await settled(second)).toBe(false);
    expect(budget.bytes).toBe(70);
    first.hold.release();
    const { hold } = await second;
    expect(budget.bytes).toBe(50);
    expect(budget.peakBytes).toBe(70);
    expect(budget.waits).toBe(1);
    hold.release();
  });

  it('fills one batch at a time, so two growing batches cannot wait for each other', async () => {
    const budget = new ByteBudget(100);
    const order: string[] = [];
    let grow!: () => void;
    const a = budget.fill(async (h) => {
      await h.resize(60);
      order.push('a took 60');
      await new Promise<void>((r) => (grow = r));
      await h.resize(90);
      order.push('a took 90');
    });
    const b = budget.fill(async (h) => {
      order.push('b starts');
      await h.resize(20);
    });
    await settled(a);
    grow();
    const { hold: holdA } = await a;
    expect(await settled(b)).toBe(false); // 90 + 20 > 100: b waits for a's insert
    holdA.release();
    (await b).hold.release();
    expect(order).toEqual(['a took 60', 'a took 90', 'b starts']);
    expect(budget.peakBytes).toBe(90);
  });

  it('lets a batch that alone needs more than the limit through, and counts it', async () => {
    const budget = new ByteBudget(100);
    const { hold } = await budget.fill((h) => h.resize(150));
    expect(budget.bytes).toBe(150);
    expect(budget.overruns).toBe(1);
    hold.release();
  });

  it('gives back every byte when filling fails', async () => {
    const budget = new ByteBudget(100);
    await expect(
      budget.fill(async (h) => {
        await h.resize(80);
        throw new Error('undecodable');
      }),
    ).rejects.toThrow('undecodable');
    expect(budget.bytes).toBe(0);
    const { hold } = await budget.fill((h) => h.resize(90)); // and the next batch is not stuck
    hold.release();
  });

  it('gives back what a batch no longer needs', async () => {
    const budget = new ByteBudget(100);
    const { hold } = await budget.fill(async (h) => {
      await h.resize(80);
      await h.resize(30);
    });
    expect(budget.bytes).toBe(30);
    hold.release();
  });
});
