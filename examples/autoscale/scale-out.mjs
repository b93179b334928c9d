#!/usr/bin/env node
// The scale-out hook: starts one more `vigil processor` and returns. The new processor joins the
// processor consumer group, so Kafka hands it a share of the partitions; it writes to the
// cluster's ClickHouse like the others. In an orchestrated cluster this script would ask for
// one more replica instead. Its pid, data directory and log go to $SCALE_DIR, so an operator
// (and the test) can see what was started.
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const host = process.argv[process.argv.indexOf('--host') + 1] ?? '';
const dir = process.env.SCALE_DIR ?? '/tmp/vigil-autoscale';
// The cluster's vigil config (bus.kafka and a shared store): the same one every processor runs with.
const config = process.env.SCALE_CONFIG;
if (!config) {
  process.stderr.write('SCALE_CONFIG must name the vigil config the new processor runs with\n');
  process.exit(2);
}
mkdirSync(dir, { recursive: true });
const name = `processor-${Date.now()}`;
const log = openSync(join(dir, `${name}.log`), 'a');
const vigil = resolve(import.meta.dirname, '../../bin/vigil.cjs');
// Detached, its own process group, unreferenced: the processor outlives this script (and vigil's
// hook timeout). Its API listens on SCALE_HTTP_PORT (0: a free port, named in its log).
const child = spawn(
  process.execPath,
  [vigil, 'processor', '--config', config, '--data-dir', join(dir, name), '--http-port', process.env.SCALE_HTTP_PORT ?? '0'],
  // What env_allow passed on (say VIGIL_KAFKA_BROKERS, VIGIL_CLICKHOUSE_URL), without the alert.
  { detached: true, stdio: ['ignore', log, log], env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VIGIL_ALERT_') && !k.startsWith('VIGIL_HOOK'))) },
);
child.unref();
writeFileSync(join(dir, `${name}.json`), JSON.stringify({ pid: child.pid, host, log: join(dir, `${name}.log`), startedAt: new Date().toISOString(), alert: process.env.VIGIL_HOOK_KEY }));
process.stdout.write(`started vigil processor ${child.pid} for ${host}\n`);
