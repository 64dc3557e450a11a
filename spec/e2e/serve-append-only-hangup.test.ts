// An upload by OpenSSH's scp (SFTP mode) into `serve --append-only` whose
// client is killed mid-file. SFTP writes in place, and an append-only server
// never lets the client write, replace or remove that file again, so the
// part received would stay under the name for good and every retry be
// refused. User sees: the retry stores the whole file. Left: no part.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '../helpers/async';
import { runProgram } from '../helpers/run-program';
import { servePerSuite, type TestServe } from '../helpers/serve';
import { tempDirPerTest } from '../helpers/temp-dir';

const serve = servePerSuite(['--append-only']);
const localDir = tempDirPerTest('scpipe-test-append-hangup-');

const scpArgs = (s: TestServe, ...args: string[]): string[] => ['-q', ...s.sshArgs(), ...args];
const size = async (path: string): Promise<number> => (await stat(path).catch(() => undefined))?.size ?? 0;

it('removes the part of a stock scp upload whose client was killed, so that a retry stores the file', async () => {
  const local = localDir();
  const data = randomBytes(16 * 1024 * 1024);
  await writeFile(join(local, 'db.dump'), data);
  // 8 Mbit/s: two seconds at least, so it is cut mid-file.
  const scp = spawn('scp', scpArgs(serve, '-l', '8000', join(local, 'db.dump'), '127.0.0.1:/db.dump'), { stdio: 'ignore' });
  const exited = new Promise((r) => scp.once('exit', r));
  await waitFor(async () => (await size(join(serve.root, 'db.dump'))) > 0, 'part of the upload on disk');
  scp.kill('SIGTERM');
  await exited;
  await waitFor(() => / sftp upload \/db\.dump \d+ bytes failed/.test(serve.log()), 'the upload logged');
  expect(serve.log()).toMatch(/ sftp upload \/db\.dump \d+ bytes failed: the session ended with the file open \(removed: the upload had created it\)\n/);
  expect(await readdir(serve.root)).toEqual([]);
  expect(await runProgram('scp', scpArgs(serve, join(local, 'db.dump'), '127.0.0.1:/db.dump'))).toMatchObject({ status: 0, stderr: '' });
  expect((await readFile(join(serve.root, 'db.dump'))).equals(data)).toBe(true);
});
