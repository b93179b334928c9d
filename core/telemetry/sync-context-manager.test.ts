import { executionAsyncId } from 'node:async_hooks';
import { context, createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { silentLogger } from './logger.ts';
import { selfMetrics } from './self-metrics.ts';
import { startSelfTelemetry } from './self-telemetry.ts';
import { SyncContextManager } from './sync-context-manager.ts';

const KEY = createContextKey('test');

/** 0 inside a promise reaction while no promise hooks run (Node gives promises no async ids then). */
const promiseAsyncId = () => Promise.resolve().then(() => executionAsyncId());

describe('SyncContextManager', () => {
  it('holds the context for the synchronous extent of with(), nested, and restores it after a throw', () => {
    const manager = new SyncContextManager();
    const outer = ROOT_CONTEXT.setValue(KEY, 'outer');
    const inner = ROOT_CONTEXT.setValue(KEY, 'inner');
    expect(manager.active()).toBe(ROOT_CONTEXT);
    manager.with(outer, () => {
      expect(manager.active().getValue(KEY)).toBe('outer');
      expect(() =>
        manager.with(inner, () => {
          expect(manager.active().getValue(KEY)).toBe('inner');
          throw new Error('boom');
        }),
      ).toThrow('boom');
      expect(manager.active().getValue(KEY)).toBe('outer');
    });
    expect(manager.active()).toBe(ROOT_CONTEXT);
    expect(manager.with(outer, (a: number, b: number) => a + b, undefined, 2, 3)).toBe(5);
    const bound = manager.bind(outer, () => manager.active().getValue(KEY));
    expect(bound()).toBe('outer');
  });

  it('keeps promise hooks off through self-telemetry exports (the default context manager turned them on)', async () => {
    expect(await promiseAsyncId()).toBe(0);
    let exports = 0;
    const telemetry = await startSelfTelemetry({
      sink: async () => void (exports += 1),
      intervalMs: 50,
      prometheus: false,
      traceRatio: 1,
      ownOtlpPorts: [],
      serviceVersion: 'test',
      role: 'test',
      logger: silentLogger,
      env: {},
    });
    try {
      selfMetrics.insert('otel_logs', 10, 0.001, 'ok');
      await selfMetrics.span('vigil.ingest', { 'vigil.signal': 'logs' }, async () => {});
      // Exports (a span batch, metrics) run inside context.with(suppressTracing(...)).
      const deadline = Date.now() + 10_000;
      while (exports < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(exports).toBeGreaterThanOrEqual(2);
      context.with(ROOT_CONTEXT.setValue(KEY, 'x'), () => expect(context.active().getValue(KEY)).toBe('x'));
      expect(await promiseAsyncId()).toBe(0);
    } finally {
      await telemetry.shutdown();
    }
    expect(await promiseAsyncId()).toBe(0);
  });
});
