import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeJson, decodeProtobuf, encodeProtobuf } from '../otlp-codec.ts';
import type { Signal } from '../otlp-types.ts';
import { requestToRows } from './table-rows.ts';

// Golden files: OTLP/JSON requests in testdata/ and the rows they must become. Regenerate with
// UPDATE_GOLDEN=1 after a deliberate mapping change, and review the diff.
const TESTDATA = join(import.meta.dirname, '../testdata');
const cases: Array<[string, Signal]> = [
  ['logs', 'logs'],
  ['metrics', 'metrics'],
  ['traces', 'traces'],
];

describe.each(cases)('OTLP %s → rows', (name, signal) => {
  const input = readFileSync(join(TESTDATA, `${name}.json`), 'utf8');
  const goldenPath = join(TESTDATA, `${name}.rows.json`);
  const fromJson = requestToRows(signal, decodeJson(signal, input));

  it('matches the golden rows', () => {
    if (process.env.UPDATE_GOLDEN) writeFileSync(goldenPath, JSON.stringify(fromJson, null, 2) + '\n');
    expect(JSON.parse(JSON.stringify(fromJson))).toEqual(JSON.parse(readFileSync(goldenPath, 'utf8')));
  });

  it('gives the same rows through protobuf as through JSON', () => {
    const bytes = encodeProtobuf(signal, decodeJson(signal, input));
    expect(requestToRows(signal, decodeProtobuf(signal, bytes))).toEqual(fromJson);
  });
});
