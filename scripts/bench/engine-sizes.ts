/**
 * npm run bench:engine -- [--sizes 100,400,800,1600,3200,7700,20000 (rows per insert)] [--max-inserts 50]
 *
 * The engine alone (chDB, the schema `vigil start` migrates, vigil's insert settings) inserting
 * the same ~400 B log records `bench:ingest` sends, pre-encoded as RowBinary, at each insert size
 * in turn; prints ONE JSON line: rows/s and CPU per million rows and per insert, each timed to
 * the end of the merges the inserts caused (and to the last insert). The engine's cost per insert
 * is what bounds the pipeline when requests are small (see the README's Benchmarks).
 */
import { loadavg, tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { requestToRows } from '../../core/model/index.ts';
import { engineBaseline } from './engine-baseline.ts';
import { fileCreateMicros } from './fs-probe.ts';
import { logRequest } from './log-request.ts';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '100,400,800,1600,3200,7700,20000' }, 'max-inserts': { type: 'string', default: '50' } } });
const sizes = values.sizes.split(',').map(Number);
if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--sizes: expected positive integers, got ${values.sizes}`);
const rows = Array.from({ length: 1000 }, (_, i) => logRequest(i, 100, 'realistic')).flatMap((r) => requestToRows('logs', r)[0]!.rows);
const loadAtStart = loadavg().map((n) => Number(n.toFixed(2)));
const fsAtStart = fileCreateMicros(tmpdir());
const results = await engineBaseline('otel_logs', rows, sizes, Number(values['max-inserts']));
const fsAtEnd = fileCreateMicros(tmpdir());
process.stdout.write(
  JSON.stringify({
    load_average_at_start: loadAtStart,
    load_average_at_end: loadavg().map((n) => Number(n.toFixed(2))),
    // CPU µs per file created in a new directory where the engine's data is (fs-probe.ts; TMPDIR moves it).
    fs_file_create_us: { start: fsAtStart, end: fsAtEnd },
    engine_pre_encoded: results.map((e) => ({
      rows_per_insert: e.rowsPerInsert,
      rows_per_second: e.rowsPerSecond,
      rows_per_second_to_last_insert: e.rowsPerSecondToLastInsert,
      cpu_seconds_per_million: e.cpuSecondsPerMillion,
      cpu_ms_per_insert: Number(((e.cpuSecondsPerMillion * e.rowsPerInsert) / 1000).toFixed(1)),
    })),
  }) + '\n',
);
