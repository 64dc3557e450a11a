// `npm run demo` (README): its arguments (`npm run demo -- --size 1G`):
// --help says the usage, and an argument it does not know is refused before
// anything starts, where either ran the whole 256 MiB demo and `--size` with
// no value was a stack trace; and a demo stopped part-way leaves nothing.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../helpers/async';
import { processesWith } from '../../helpers/processes';

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

// Stopped (Ctrl-C in another terminal, a kill) while its put ran, it left its
// `scpipe serve` running and its directory in /tmp.
it.each([['SIGTERM', 143], ['SIGINT', 130]] as const)('stopped by %s as its put runs: exit %i, its server and directory gone', async (signal, status) => {
  const child = spawn(process.execPath, [DEMO, '--size', '4G'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const closed = new Promise<number | null>((res) => child.once('close', res));
  await waitFor(() => /\(root (\S+)\)/.test(stdout), 'the server listening', 60_000);
  const dir = join(/\(root (\S+)\)/.exec(stdout)![1]!, '..');
  await waitFor(() => processesWith(dir).length >= 2, 'the server and the put running', 30_000);
  child.kill(signal);
  expect(await closed).toBe(status);
  expect(stderr).toBe(`demo: interrupted by ${signal}; stopped, and its files removed\n`);
  expect(existsSync(dir)).toBe(false);
  await waitFor(() => processesWith(dir).length === 0, 'the server and the put gone');
}, 120_000);

// `npm run demo | head -1`: the reader leaving printed an EPIPE stack trace.
it('its reader leaving after the first line (| head -1): exit 0, nothing on stderr, its server and directory gone', async () => {
  const child = spawn(process.execPath, [DEMO, '--size', '1M'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const closed = new Promise<number | null>((res) => child.once('close', res));
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (stdout.includes('\n')) child.stdout.destroy();
  });
  await waitFor(() => child.stdout.destroyed, 'the first line', 60_000);
  const dir = join(/\(root (\S+)\)/.exec(stdout)![1]!, '..');
  expect(await closed).toBe(0);
  expect(stderr).toBe('');
  expect(existsSync(dir)).toBe(false);
  await waitFor(() => processesWith(dir).length === 0, 'the server and the put gone');
}, 120_000);
