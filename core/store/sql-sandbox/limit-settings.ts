import type { QueryLimits } from '../store.ts';

/**
 * The engine settings that bound one user query. Enforced by the engine (it stops the query),
 * not by the caller abandoning a promise. The store adds readonly on top.
 */
export function limitSettings(limits: QueryLimits): Record<string, string | number> {
  const settings: Record<string, string | number> = {
    max_execution_time: Math.max(1, Math.ceil(limits.maxExecutionTimeMs / 1000)),
    timeout_overflow_mode: 'throw',
    max_result_rows: Math.floor(limits.maxResultRows),
    result_overflow_mode: 'throw',
    allow_introspection_functions: 0,
  };
  if (limits.maxResultBytes) settings.max_result_bytes = Math.floor(limits.maxResultBytes);
  if (limits.maxMemoryUsage) settings.max_memory_usage = Math.floor(limits.maxMemoryUsage);
  if (limits.maxThreads) settings.max_threads = Math.floor(limits.maxThreads);
  // Ad-hoc query threads run at nice 19, so on a busy machine inserts and rule queries (nice 0)
  // get the CPU first; raising niceness needs no privilege (measured on chDB 26.7).
  if (limits.adHoc) settings.os_thread_priority = 19;
  return settings;
}

/** `SETTINGS a = 1, b = 'x'` for stores that send settings inside the statement. */
export function settingsClause(settings: Record<string, string | number>): string {
  return Object.entries(settings)
    .map(([k, v]) => `${k} = ${typeof v === 'number' ? v : `'${v.replace(/[\\']/g, '\\$&')}'`}`)
    .join(', ');
}
