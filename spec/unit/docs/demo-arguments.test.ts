// `npm run demo`'s arguments (README: `npm run demo -- --size 1G`): --help
// says the usage, and an argument it does not know is refused before
// anything starts; either ran the whole 256 MiB demo, and `--size` with no
// value was a stack trace.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const DEMO = join(__dirname, '../../../scripts/demo.js');
const USAGE = 'usage: npm run demo [-- --size SIZE]   (SIZE: bytes, or with K, M or G; default 256M)\n';
const demo = (...args: string[]) => {
  const r = spawnSync(process.execPath, [DEMO, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

it('--help prints the usage on stdout and exits 0, starting nothing', () => {
  expect(demo('--help')).toEqual({ status: 0, stdout: USAGE, stderr: '' });
  expect(demo('-h')).toEqual({ status: 0, stdout: USAGE, stderr: '' });
});

it.each([
  [['--sise', '1G'], 'unknown arguments: --sise 1G'],
  [['--size', '1G', '--help'], 'unknown arguments: --size 1G --help'],
  [['--size'], 'bad --size ""'],
  [['--size', '1T'], 'bad --size "1T"'],
  [['--size=lots'], 'bad --size "lots"'],
])('%j: exit 2, saying what is wrong and the usage, starting nothing', (args, problem) => {
  expect(demo(...args)).toEqual({ status: 2, stdout: '', stderr: `demo: ${problem}\n${USAGE}` });
});
