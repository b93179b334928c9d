/**
 * The OTLP load for bench:peer, in its own process so its CPU is nobody's cost:
 *
 *   node --import tsx load-generator.ts --url http://127.0.0.1:P --records N [--per-request 100]
 *        [--clients 16] [--warmup-records 2000] [--random-bodies]
 *
 * Encodes every request first, sends the warm-up (same shape, not timed), prints `ready`, waits
 * for a line on stdin, then sends the N records from `clients` connections at once and prints one
 * JSON line: { records, requests, seconds, retries }. 429/502/503/504 and connection errors are
 * retried after 100 ms as an SDK would; any other status ends the process with exit code 1.
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { encodeProtobuf } from '../../../core/model/index.ts';
import { logRequest } from '../log-request.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    records: { type: 'string', default: '500000' },
    'per-request': { type: 'string', default: '100' },
    clients: { type: 'string', default: '16' },
    'warmup-records': { type: 'string', default: '2000' },
    'random-bodies': { type: 'boolean', default: false },
  },
});
if (!values.url) throw new Error('--url is required');
const endpoint = `${values.url}/v1/logs`;
const perRequest = Number(values['per-request']);
const clients = Number(values.clients);
const randomBodies = values['random-bodies'];

function requests(records: number, firstSeq: number): Uint8Array[] {
  return Array.from({ length: Math.ceil(records / perRequest) }, (_, i) => encodeProtobuf('logs', logRequest(firstSeq + i, Math.min(perRequest, records - i * perRequest), randomBodies ? 'random' : 'realistic')));
}

const RETRYABLE = new Set([429, 502, 503, 504]);
let retries = 0;

async function post(body: Uint8Array): Promise<void> {
  for (;;) {
    let status = 0;
    try {
      const response = await fetch(endpoint, { method: 'POST', body: body as unknown as BodyInit, headers: { 'Content-Type': 'application/x-protobuf' } });
      await response.arrayBuffer();
      status = response.status;
    } catch {
      // connection refused or reset: retried like a 503
    }
    if (status === 200) return;
    if (status !== 0 && !RETRYABLE.has(status)) {
      process.stderr.write(`load generator: ${endpoint} answered ${status}\n`);
      process.exit(1);
    }
    retries += 1;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function sendAll(bodies: Uint8Array[]): Promise<void> {
  let next = 0;
  const client = async () => {
    while (next < bodies.length) await post(bodies[next++]!);
  };
  await Promise.all(Array.from({ length: clients }, client));
}

const warmup = requests(Number(values['warmup-records']), 1_000_000);
const timed = requests(Number(values.records), 0);
await sendAll(warmup);
retries = 0;
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => lines.once('line', () => resolve()));
lines.close();
const started = performance.now();
await sendAll(timed);
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ records: Number(values.records), requests: timed.length, warmup_requests: warmup.length, seconds, retries })}\n`);
