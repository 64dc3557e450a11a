// sshd reads authorized_keys at every login, so a key removed from the file
// is refused from the next login on. `scpipe serve` read it once at start:
// a revoked key kept logging in until a restart, which cuts every transfer
// in flight. Now the file is read again whenever it changed.
import { execFileSync } from 'node:child_process';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { servePerSuite, sftpBatch } from '../helpers/serve';
import { runProgram } from '../helpers/run-program';

const serve = servePerSuite();

const keysFile = (): string => join(serve.dir, 'authorized_keys');
const lsWith = (key: string) =>
  runProgram('sftp', ['-q', ...serve.sshArgs().map((a) => (a === serve.keyPath ? key : a)), '-b', '-', '127.0.0.1'], 'ls /\n');

it('refuses a key removed from the file and accepts one added, without a restart', async () => {
  const second = join(serve.dir, 'id_second');
  execFileSync('ssh-keygen', ['-q', '-N', '', '-t', 'ed25519', '-f', second, '-C', 'second']);
  expect((await sftpBatch(serve, ['ls /'])).status).toBe(0);
  expect((await lsWith(second)).status).toBe(255);

  // Replaced by a new file, as an editor or `mv` does: the first key is gone, the second is in.
  await writeFile(`${keysFile()}.new`, await readFile(`${second}.pub`));
  await rename(`${keysFile()}.new`, keysFile());
  expect((await sftpBatch(serve, ['ls /'])).status).toBe(255);
  expect((await lsWith(second)).status).toBe(0);
  expect(serve.log()).toContain(`${keysFile()} changed: 1 key from now on\n`);

  // Edited in place: both keys.
  await writeFile(keysFile(), (await readFile(`${serve.keyPath}.pub`, 'utf8')) + (await readFile(`${second}.pub`, 'utf8')));
  expect((await sftpBatch(serve, ['ls /'])).status).toBe(0);
  expect((await lsWith(second)).status).toBe(0);
  expect(serve.log()).toContain(`${keysFile()} changed: 2 keys from now on\n`);
});

it('refuses every key while the file is gone, and says so once', async () => {
  await rename(keysFile(), `${keysFile()}.away`);
  expect((await sftpBatch(serve, ['ls /'])).status).toBe(255);
  expect((await sftpBatch(serve, ['ls /'])).status).toBe(255);
  const said = serve.log().split('\n').filter((l) => l.includes('every key is refused until it can be read'));
  expect(said).toEqual([`scpipe: cannot read authorized keys ${keysFile()}: No such file or directory; every key is refused until it can be read`]);
  await rename(`${keysFile()}.away`, keysFile());
  expect((await sftpBatch(serve, ['ls /'])).status).toBe(0);
});
