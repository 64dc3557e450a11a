// A --name no server takes ("", ".", "..", one holding "/") is refused at
// start, exit 2, before the producer runs or a connection is tried: it was
// said only once connected, after a password prompt, or as exit 255 where the
// host was down. The port is a closed one: a check after connecting is 255.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { tempDirPerTest } from '../helpers/temp-dir';

const dir = tempDirPerTest('scpipe-test-early-name-');
const CLOSED = ['-F', 'none', '-P', '1', '-o', 'BatchMode=yes'];

it.each([[''], ['.'], ['..'], ['sub/dump'], ['/etc/passwd']])('put --name %j: exit 2, the producer never runs, nothing is connected', async (name) => {
  const marker = join(dir(), 'ran');
  for (const protocol of [[], ['-O'], ['-s']]) {
    const r = await runCli(['put', ...CLOSED, ...protocol, '--name', name, '127.0.0.1:backups/', '--', 'touch', marker]);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 2, stderr: `scpipe: bad --name ${JSON.stringify(name)}: give a file name (not empty, "." or "..", no "/"); the directory goes in the target (host:DIR/)\n` });
  }
  expect(existsSync(marker)).toBe(false);
});

// SFTP carries a newline in a name; SCP's records are lines: refused at start only where SCP is asked for.
it('put --name with a newline: exit 2 at start with -O; under auto it is tried (255: the port is closed)', async () => {
  const scp = await runCli(['put', ...CLOSED, '-O', '--name', 'a\nb', '127.0.0.1:backups/'], { stdin: 'data' });
  expect({ status: scp.status, stderr: scp.stderr }).toEqual({ status: 2, stderr: 'scpipe: bad --name "a\\nb": give a file name (not empty, "." or "..", no "/", and no newline over SCP); the directory goes in the target (host:DIR/)\n' });
  const auto = await runCli(['put', ...CLOSED, '--name', 'a\nb', '127.0.0.1:backups/'], { stdin: 'data' });
  expect(auto.status).toBe(255);
});

// A remote path with a newline cannot go over SCP: with -O, said at start, not once connected (255 here).
it.each([
  ['put', (m: string) => ['put', ...CLOSED, '-O', '127.0.0.1:d/a\nb', '--', 'touch', m]],
  ['put to two targets', (m: string) => ['put', ...CLOSED, '-O', '127.0.0.1:d/ok', '127.0.0.1:d/a\nb', '--', 'touch', m]],
  ['get', () => ['get', ...CLOSED, '-O', '127.0.0.1:d/a\nb']],
  ['cp up', (m: string) => ['cp', ...CLOSED, '-O', m, '127.0.0.1:d/a\nb']],
  ['cp down', (m: string) => ['cp', ...CLOSED, '-O', '127.0.0.1:d/a\nb', m]],
])('%s -O, a remote path with a newline: exit 2 at start, the producer never runs', async (_what, args) => {
  const marker = join(dir(), 'ran');
  const r = await runCli(args(marker));
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 2, stderr: 'scpipe: d/a\\nb: a remote path with a newline cannot go over SCP (its records and messages are lines): use SFTP (--protocol sftp)\n' });
  expect(existsSync(marker)).toBe(false);
});
