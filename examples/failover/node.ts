// A database-like node for the failover demo: a small HTTP service that is either the primary
// or a standby, with vigil's collector running inside it and sending the `vigil.agent.up`
// heartbeat every second. kill -9 this process and the heartbeat stops with it, as when a host
// dies. A standby is promoted by POST /promote (what the failover hook calls); it counts every
// promotion request, so a test can see a hook that ran twice.
//
//   NODE_NAME=db-a ROLE=primary PORT=0 KAFKA=127.0.0.1:9092 node --import tsx examples/failover/node.ts
//
// Prints one JSON line {"ready":true,"url":…} once it listens and its collector started.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VigilInstance } from '../../bin/instance.ts';
import { parseConfig } from '../../core/config/index.ts';
import { createLogger } from '../../core/telemetry/index.ts';

const name = process.env.NODE_NAME ?? 'db-a';
let role = process.env.ROLE === 'standby' ? 'standby' : 'primary';
const promotions: Array<{ at: number; failedNode: string; alertStartsAt: string; lastHeartbeatAt: number; key: string }> = [];

const parsed = parseConfig({
  log_level: process.env.LOG_LEVEL ?? 'warn',
  data_dir: process.env.DATA_DIR ?? `/tmp/vigil-failover-${name}`,
  bus: { kind: 'kafka', kafka: { brokers: (process.env.KAFKA ?? '127.0.0.1:9092').split(','), client_id: process.env.CLIENT_ID ?? 'failover', partitions: 3 } },
  collector: {
    otlp: { enabled: false },
    hostmetrics: { host_name: name, interval: '1h', heartbeat_interval: process.env.HEARTBEAT ?? '1s' },
  },
});
if (!parsed.ok) {
  process.stderr.write(`${parsed.problems.map((p) => `${p.path}: ${p.message}`).join('\n')}\n`);
  process.exit(2);
}
const collector = new VigilInstance(parsed.config, createLogger(parsed.config.log_level), { collector: true, processor: false, alerts: false, api: false });

const server = createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    if (req.method === 'GET' && req.url === '/state') {
      // heartbeats: how many this node's collector has handed to Kafka.
      const heartbeats = collector.hostMetrics?.stats().emitted ?? 0;
      return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ name, role, heartbeats, promotions }));
    }
    if (req.method === 'POST' && req.url === '/promote') {
      let alert: any = {};
      try {
        alert = JSON.parse(body).alerts?.[0] ?? {};
      } catch {
        return void res.writeHead(400).end('expected the Alertmanager JSON of the alert');
      }
      // The rule's annotation says how long the node had been silent when the alert fired.
      const silentFor = Number(alert.annotations?.silent_seconds) * 1000;
      promotions.push({
        at: Date.now(),
        failedNode: alert.labels?.['host.name'] ?? '',
        alertStartsAt: alert.startsAt ?? '',
        lastHeartbeatAt: Date.parse(alert.startsAt) - silentFor,
        key: String(req.headers['idempotency-key'] ?? ''),
      });
      const was = role;
      role = 'primary';
      return void res.writeHead(200).end(was === 'standby' ? `${name} promoted\n` : `${name} was already primary\n`);
    }
    // The demo's operator step: a new primary exists again, this node goes back to standing by.
    if (req.method === 'POST' && req.url === '/demote') {
      role = 'standby';
      return void res.writeHead(200).end();
    }
    res.writeHead(404).end();
  });
});

await collector.start();
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ ready: true, name, role, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`);
});
const stop = async () => {
  server.close();
  await collector.shutdown();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
