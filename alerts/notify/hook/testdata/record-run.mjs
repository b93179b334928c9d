// A hook program for tests: records what it received (argv, environment, stdin), then behaves
// as its second argument says.
import { appendFileSync, readFileSync } from 'node:fs';

const [out, mode] = process.argv.slice(2);
const stdin = readFileSync(0, 'utf8');
const record = (phase) => appendFileSync(out, `${JSON.stringify({ phase, argv: process.argv.slice(2), env: process.env, stdin, at: Date.now() })}\n`);
record('start');
if (mode === 'fail') {
  process.stderr.write('promotion failed: replica is lagging\n');
  process.exit(3);
} else if (mode === 'hang') {
  setTimeout(() => {}, 600_000);
} else if (mode === 'noisy') {
  process.stdout.write(`${'x'.repeat(100_000)}END`);
} else if (mode === 'slow') {
  setTimeout(() => record('end'), 300);
} else {
  process.stdout.write('promoted\n');
}
