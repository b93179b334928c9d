#!/usr/bin/env node
// The scale-out hook: starts one more processor and returns. The processor here is a stand-in
// (worker.mjs, an idle process); in a real cluster this line would run `vigil processor` with
// the cluster's config, or ask an orchestrator for one more replica. Its pid goes to $SCALE_DIR
// so an operator (and the test) can see what was started.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const host = process.argv[process.argv.indexOf('--host') + 1] ?? '';
const dir = process.env.SCALE_DIR ?? '/tmp/vigil-autoscale';
mkdirSync(dir, { recursive: true });
// Detached and unreferenced: the processor outlives this script (and vigil's hook timeout).
const child = spawn(process.execPath, [join(import.meta.dirname, 'worker.mjs')], { detached: true, stdio: 'ignore' });
child.unref();
writeFileSync(join(dir, `processor-${child.pid}.json`), JSON.stringify({ pid: child.pid, host, startedAt: new Date().toISOString(), alert: process.env.VIGIL_HOOK_KEY }));
process.stdout.write(`started processor ${child.pid} for ${host}\n`);
