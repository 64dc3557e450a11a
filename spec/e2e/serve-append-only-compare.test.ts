// A retry may send again a file that a lost connection had already stored:
// `scpipe serve --append-only` compares it with the stored one, which for a
// large backup reads gigabytes. Meanwhile every other client's uploads and
// renames go on: the comparison is made without the lock that renames take.
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '../helpers/async';
import { runCli } from '../helpers/cli';
import { openFilesIn } from '../helpers/open-files';
import { sftpBatch, startServe } from '../helpers/serve';

// Sparse, on a tmpfs: read at memory speed (tens of seconds for the pair), stored in no memory at all.
const SIZE = 256 * 1024 ** 3;
const TEMP = '.big.bin.scpipe-AbCdE1';

it('compares a re-sent large file with the stored one while another client uploads and renames', async () => {
  const serve = await startServe(['--append-only']);
  const big = join(serve.root, 'big');
  await mkdir(big);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', big]);
  try {
    for (const name of ['big.bin', TEMP]) {
      await writeFile(join(big, name), '');
      await truncate(join(big, name), SIZE);
    }
    // As a retry's rename would: the temporary file holds the same bytes as the name.
    void sftpBatch(serve, [`rename /big/${TEMP} /big/big.bin`]);
    const comparing = (): boolean => openFilesIn(big, serve.process.pid).some((f) => f.endsWith('/big.bin'));
    await waitFor(comparing, 'serve reading the stored file');
    const put = await runCli(['put', ...serve.scpipeArgs(), '-q', 'backup@127.0.0.1:/other.bin'], { stdin: 'another backup', timeoutMs: 20_000 });
    expect(put).toMatchObject({ status: 0, stderr: '' });
    // Stored once: a second rename of the same file waits for no comparison, and is refused.
    const again = await sftpBatch(serve, [`rename /big/${TEMP} /big/copy.bin`]);
    expect(again.status).toBe(1);
    expect(comparing()).toBe(true); // all of it was done while the comparison went on
    expect(serve.log()).toContain(`sftp posix-rename refused: /big/${TEMP}: append-only server: another rename is storing it already`);
    expect(serve.log()).toMatch(/sftp posix-rename \/\.other\.bin\.scpipe-\w{6} \/other\.bin ok/);
    expect((await readdir(big)).sort()).toEqual([TEMP, 'big.bin']);
    expect((await stat(join(serve.root, 'other.bin'))).size).toBe(14);
  } finally {
    // Not left to finish its comparison: killed, so that the tmpfs can go.
    const gone = once(serve.process, 'exit');
    serve.process.kill('SIGKILL');
    await gone;
    execFileSync('umount', [big]);
    await rm(serve.dir, { recursive: true, force: true });
  }
});
