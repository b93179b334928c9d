#!/usr/bin/env node
// The `vigil` command. A CommonJS file on purpose: it runs before anything uses libuv's worker
// pool (an ES module entry is itself read through the pool, which fixes the pool's size before
// its first line runs). chDB runs every async query on one of those threads, 4 by default, so
// slow ad-hoc SQL queries could hold all of them and stall inserts, rule queries, file writes
// and the KILL QUERY meant to stop them. ChdbStore leaves 3 free whatever the size; 16 lets 4
// ad-hoc queries (api.query.max_concurrent) run at once.
process.env.UV_THREADPOOL_SIZE ??= '16';
// The collector's old space grows by a fixed factor of 2 after each full GC (as Go's GOGC=100).
// V8 picks the factor from its measured GC and mutator speeds: on busy cores it fell to ~1.1
// (~4 MB over a ~40 MB live heap, less than the young generation), so marking restarted as soon
// as it finished: 17–37 full GCs in a 300,000-record bench:peer run instead of 3–5, +1.5 to +3.7
// CPU-s per million records, mostly on V8's marking threads. Read by V8 each time it sets the limit.
if (process.argv[2] === 'collector') require('node:v8').setFlagsFromString('--heap-growing-percent=100');
import('./vigil.js');
