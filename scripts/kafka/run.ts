/**
 * A local Apache Kafka for vigil, in the foreground until Ctrl-C (or SIGTERM):
 *
 *   node --import tsx scripts/kafka/run.ts [--brokers 1|3] [--base-port N] [--data-dir DIR] [--heap-mb N]
 *
 * Prints the bootstrap string; with --data-dir the data survives (run it again on the same
 * --base-port to get the same cluster back), otherwise it lives in a temporary directory.
 */
import { parseArgs } from 'node:util';
import { startKafka, type KafkaOptions } from './broker.ts';

const { values } = parseArgs({
  options: {
    brokers: { type: 'string', default: '1' },
    'base-port': { type: 'string' },
    'data-dir': { type: 'string' },
    'heap-mb': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write('usage: node --import tsx scripts/kafka/run.ts [--brokers 1|3] [--base-port N] [--data-dir DIR] [--heap-mb N]\n');
  process.exit(0);
}
if (values.brokers !== '1' && values.brokers !== '3') {
  process.stderr.write(`--brokers must be 1 or 3, not ${values.brokers}\n`);
  process.exit(2);
}
const number = (name: string, v: string | undefined) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) {
    process.stderr.write(`--${name} must be a positive integer, not ${v}\n`);
    process.exit(2);
  }
  return n;
};
const options: KafkaOptions = {
  brokers: values.brokers === '3' ? 3 : 1,
  basePort: number('base-port', values['base-port']),
  dataDir: values['data-dir'],
  heapMb: number('heap-mb', values['heap-mb']),
};

const started = Date.now();
const cluster = await startKafka(options);
process.stdout.write(
  `Apache Kafka ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${cluster.nodes.length} node(s), data in ${cluster.dataDir}\n` +
    `  export VIGIL_KAFKA_BROKERS=${cluster.bootstrap}\n` +
    `  (vigil config: bus: { kind: kafka, kafka: { brokers: [${cluster.bootstrap.split(',').map((b) => `"${b}"`).join(', ')}] } })\n` +
    `Ctrl-C stops it.\n`,
);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`\n${signal}: stopping Kafka…\n`);
  await cluster.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
