/**
 * TEST FAKE runner: `node --import tsx test/support/clickhouse-http/run.ts --data-dir DIR [--port N]`
 * serves ClickHouse's HTTP interface over one chDB engine in this process and prints
 * `{"url":"http://127.0.0.1:PORT"}` on stdout once listening. Stops on SIGTERM/SIGINT.
 * With VIGIL_CH_FAKE_TRACE=FILE it appends one JSON line per statement (its head, its dedup
 * token): what to read when a test finds rows stored twice.
 */
import { parseArgs } from 'node:util';
import { startClickHouseHttpFake } from './clickhouse-http-fake.ts';

const { values } = parseArgs({ options: { 'data-dir': { type: 'string' }, port: { type: 'string', default: '0' } } });
if (!values['data-dir']) {
  process.stderr.write('usage: run.ts --data-dir DIR [--port N]\n');
  process.exit(2);
}
const fake = await startClickHouseHttpFake({ dataDir: values['data-dir'] }, Number(values.port));
process.stdout.write(`${JSON.stringify({ url: fake.url })}\n`);
const stop = () => void fake.stop().finally(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
