import { ROOT_CONTEXT, type Context, type ContextManager } from '@opentelemetry/api';

/**
 * OpenTelemetry's active context for vigil's own telemetry, held for the synchronous extent of
 * `context.with()` only, not across `await`.
 *
 * The NodeSDK's default keeps it in an AsyncLocalStorage, which on Node 20 switches on promise
 * hooks for the whole process the first time it is entered, and the SDK enters it around every
 * export (`context.with(suppressTracing(...))`), so from the first export on (15 s after start
 * by default) every promise any request creates, and every native resource (socket, timer,
 * HTTP message), costs a JavaScript hook call, and V8 throws away its optimized code for the
 * request path once. vigil propagates nothing through it: it has no instrumentations and its
 * only spans are the roots selfMetrics.span starts itself; the exports' suppression still
 * holds for what they do synchronously (the OTLP exporters' HTTP calls are not traced anyway).
 */
export class SyncContextManager implements ContextManager {
  private current: Context = ROOT_CONTEXT;

  active(): Context {
    return this.current;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(context: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    const previous = this.current;
    this.current = context;
    try {
      return fn.apply(thisArg, args);
    } finally {
      this.current = previous;
    }
  }

  bind<T>(context: Context, target: T): T {
    if (typeof target !== 'function') return target; // event emitters keep their listeners as they are
    const manager = this;
    return function (this: unknown, ...args: unknown[]) {
      return manager.with(context, () => (target as (...a: unknown[]) => unknown).apply(this, args));
    } as T;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.current = ROOT_CONTEXT;
    return this;
  }
}
