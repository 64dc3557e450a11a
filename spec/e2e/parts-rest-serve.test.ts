// A parts set with a part missing, fetched over SCP from scpipe serve: the
// message names the next part to fetch by its name, and the command, pasted
// as shown, fetches it there (serve has no shell to expand a glob such as
// `NAME.*`, which it takes as a name and refuses).
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { servePerSuite } from '../helpers/serve';
import { CLI, pastedFlags, runCli, shellQuote } from '../helpers/cli';
import { tempDirPerTest } from '../helpers/temp-dir';

const serve = servePerSuite();
const local = tempDirPerTest('scpipe-test-rest-');

it('get over SCP from serve, a part missing: exit 1, and the command it gives for the next part works there', async () => {
  const data = randomBytes(4 * 1024 * 1024);
  const at = 'backup@127.0.0.1:/r.bin';
  const args = ['--protocol', 'scp', ...serve.scpipeArgs()];
  expect(await runCli(['put', '-q', ...args, '--part-size', '1M', at], { stdin: data })).toMatchObject({ status: 0, stderr: '' });
  rmSync(join(serve.root, 'r.bin.000001'));
  const got = await runCli(['get', ...args, '--retries', '0', at]);
  expect(got.status).toBe(1);
  expect(got.stdout.equals(data.subarray(0, 1024 * 1024))).toBe(true);
  const command = `scpipe get --output r.bin.000002 --protocol scp --retries 0 ${pastedFlags(serve.scpipeArgs())} backup@127.0.0.1:/r.bin.000002`;
  expect(got.stderr).toContain(`; the parts after it, r.bin.000002..r.bin.000003, were not fetched: each is a file of its own (\`${command}\` fetches the first)`);
  // As the user pastes it, in the directory to save the parts in; serve's root is as it was.
  const pasted = /`scpipe (get --output .*)` fetches the first/.exec(got.stderr)![1]!;
  const run = spawnSync('/bin/sh', ['-c', `${shellQuote([process.execPath, CLI])} ${pasted}`], { cwd: local(), encoding: 'utf8', env: { ...process.env, HOME: process.env.SCPIPE_TEST_HOME } });
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
  expect(readFileSync(join(local(), 'r.bin.000002')).equals(data.subarray(2 * 1024 * 1024, 3 * 1024 * 1024))).toBe(true);
  expect(readdirSync(serve.root).sort()).toEqual(['r.bin.000000', 'r.bin.000002', 'r.bin.000003', 'r.bin.sha256']);
});
