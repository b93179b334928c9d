/**
 * Child process of bench:prometheus: serves a recorded node_exporter page, widened to about
 * --series samples, on --targets loopback ports, and prints the ports as one JSON line.
 * A process of its own so its CPU is not counted as vigil's.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { targets: { type: 'string', default: '200' }, series: { type: 'string', default: '1000' } } });
const recorded = readFileSync(join(import.meta.dirname, '../../collector/prometheus/testdata/node-exporter.prom'), 'utf8').split('\n');
const samples = recorded.filter((l) => l !== '' && !l.startsWith('#')).length;
const copies = Math.max(1, Math.round(Number(values.series) / samples));
// Each sample line repeated with a `replica` label: same families and types, more series.
const page = recorded
  .flatMap((line) => {
    if (line === '' || line.startsWith('#')) return [line];
    const brace = line.indexOf('{');
    const space = line.indexOf(' ');
    return Array.from({ length: copies }, (_, i) =>
      brace !== -1 && brace < space ? `${line.slice(0, brace + 1)}replica="${i}",${line.slice(brace + 1)}` : `${line.slice(0, space)}{replica="${i}"}${line.slice(space)}`,
    );
  })
  .join('\n');
const ports: number[] = [];
for (let i = 0; i < Number(values.targets); i++) {
  const server = createServer((_, res) => res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(page));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  ports.push((server.address() as AddressInfo).port);
}
process.stdout.write(JSON.stringify({ ports, seriesPerPage: samples * copies, pageBytes: Buffer.byteLength(page) }) + '\n');
