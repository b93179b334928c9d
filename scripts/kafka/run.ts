/** node --import tsx scripts/kafka/run.ts [--brokers 1|3]: a local Kafka for vigil, until Ctrl-C. */
import { parseArgs } from 'node:util';
import { startKafka } from './broker.ts';

const { values } = parseArgs({ options: { brokers: { type: 'string', default: '1' } } });
const cluster = await startKafka({ brokers: values.brokers === '3' ? 3 : 1 });
process.stdout.write(`Kafka ready: VIGIL_KAFKA_BROKERS=${cluster.bootstrap}\n`);
const stop = async () => {
  await cluster.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
