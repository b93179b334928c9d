#!/usr/bin/env node
// The `vigil` command. A CommonJS file on purpose: it runs before anything uses libuv's worker
// pool (an ES module entry is itself read through the pool, which fixes the pool's size before
// its first line runs). chDB runs every async query on one of those threads, 4 by default, so
// slow ad-hoc SQL queries could hold all of them and stall inserts, rule queries, file writes
// and the KILL QUERY meant to stop them. ChdbStore leaves 3 free whatever the size; 16 lets 4
// ad-hoc queries (api.query.max_concurrent) run at once.
process.env.UV_THREADPOOL_SIZE ??= '16';
import('./vigil.js');
