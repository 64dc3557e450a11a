// A retry may send again a file that a lost connection had already stored:
// `scpipe serve --append-only` compares it with the stored one, which for a
// large backup reads gigabytes. Meanwhile every other client's uploads and
// renames go on: the comparison is made without the lock that renames take;
// and it stops when its client goes away.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '../helpers/async';
import { runCli } from '../helpers/cli';
import { openFilesIn } from '../helpers/open-files';
import { sftpBatch, startServe, type TestServe } from '../helpers/serve';
import { unmount } from '../helpers/tmpfs';

// Sparse, on a tmpfs: read at memory speed (tens of seconds for the pair), stored in no memory at all.
const SIZE = 256 * 1024 ** 3;
const TEMP = '.big.bin.scpipe-AbCdE1';
const RENAME = `rename /big/${TEMP} /big/big.bin`;

// A serve whose /big is a small tmpfs (`comparing`: serve has its big.bin open).
async function withBigDir(use: (serve: TestServe, big: string, comparing: () => boolean) => Promise<void>): Promise<void> {
  const serve = await startServe(['--append-only']);
  const big = join(serve.root, 'big');
  await mkdir(big);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', big]);
  try {
    await use(serve, big, () => openFilesIn(big, serve.process.pid).some((f) => f.endsWith('/big.bin')));
  } finally {
    // Not left to finish a comparison: killed, so that the tmpfs can go.
    const gone = once(serve.process, 'exit');
    serve.process.kill('SIGKILL');
    await gone;
    await unmount(big);
    await rm(serve.dir, { recursive: true, force: true });
  }
}

// As a retry's rename finds them: big.bin, and its temporary file with the same bytes.
const withBigPair = (use: (serve: TestServe, big: string, comparing: () => boolean) => Promise<void>): Promise<void> =>
  withBigDir(async (serve, big, comparing) => {
    for (const name of ['big.bin', TEMP]) {
      await writeFile(join(big, name), '');
      await truncate(join(big, name), SIZE);
    }
    await use(serve, big, comparing);
  });

it('compares a re-sent large file with the stored one while another client uploads and renames', () =>
  withBigPair(async (serve, big, comparing) => {
    void sftpBatch(serve, [RENAME]);
    await waitFor(comparing, 'serve reading the stored file');
    const put = await runCli(['put', ...serve.scpipeArgs(), '-q', 'backup@127.0.0.1:/other.bin'], { stdin: 'another backup', timeoutMs: 20_000 });
    expect(put).toMatchObject({ status: 0, stderr: '' });
    // Stored once: a second rename of the same file waits for no comparison, and is refused.
    const again = await sftpBatch(serve, [`rename /big/${TEMP} /big/copy.bin`]);
    expect(again.status).toBe(1);
    expect(comparing()).toBe(true); // all of it was done while the comparison went on
    expect(serve.log()).toMatch(/sftp posix-rename \/\.other\.bin\.scpipe-\w{6} \/other\.bin ok/);
    expect(serve.log()).toContain(`sftp posix-rename refused: /big/${TEMP}: append-only server: another rename is storing it already`);
    expect((await readdir(big)).sort()).toEqual([TEMP, 'big.bin']);
    expect((await stat(join(serve.root, 'other.bin'))).size).toBe(14);
  }));

it('stops comparing when its client goes away, and leaves the temporary file for its retry', () =>
  withBigPair(async (serve, big, comparing) => {
    // In a process group of its own: killed with its ssh, which would otherwise wait on, connected.
    const sftp = spawn('sftp', ['-q', ...serve.sshArgs(), '-b', '-', '127.0.0.1'], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    sftp.stdin.end(`${RENAME}\n`);
    await waitFor(comparing, 'serve reading the stored file');
    const exited = once(sftp, 'exit');
    process.kill(-sftp.pid!, 'SIGKILL');
    await exited;
    await waitFor(() => !comparing(), 'serve to stop reading the stored file'); // else it read on for tens of seconds
    expect((await readdir(big)).sort()).toEqual([TEMP, 'big.bin']);
  }));

// Over SCP the file is received whole before it is compared, and no test
// sends 256 GiB: the client sends one byte, and the test makes both files
// the sparse pair before the byte that ends the file.
it('stops comparing a file re-sent over SCP when its client goes away, and keeps no part of it', () =>
  withBigDir(async (serve, big, comparing) => {
    await writeFile(join(big, 'big.bin'), 'x');
    const scp = spawn('ssh', [...serve.sshArgs(), '127.0.0.1', 'scp -t /big/big.bin'], { stdio: ['pipe', 'pipe', 'ignore'], detached: true });
    let acks = 0;
    scp.stdout.on('data', (d: Buffer) => (acks += d.filter((b) => b === 0).length));
    await waitFor(() => acks === 1, 'the sink ready');
    scp.stdin.write('C0644 1 big.bin\n');
    await waitFor(() => acks === 2, 'the file accepted');
    scp.stdin.write('x');
    let temp = '';
    await waitFor(async () => {
      temp = (await readdir(big)).find((n) => n.startsWith('.big.bin.scpipe-')) ?? '';
      return temp !== '' && (await stat(join(big, temp))).size === 1;
    }, 'the byte received');
    for (const name of ['big.bin', temp]) await truncate(join(big, name), SIZE);
    scp.stdin.write('\0');
    await waitFor(comparing, 'serve reading the stored file');
    const exited = once(scp, 'exit');
    process.kill(-scp.pid!, 'SIGKILL');
    await exited;
    await waitFor(() => !comparing(), 'serve to stop reading the stored file'); // else it read on for tens of seconds
    await waitFor(() => / upload \/big\/big\.bin /.test(serve.log()), 'the upload logged');
    expect(serve.log()).toMatch(/ upload \/big\/big\.bin 1 bytes failed: \/big\/big\.bin: not compared to the end: the session ended\n/);
    expect(await readdir(big)).toEqual(['big.bin']);
    expect((await stat(join(big, 'big.bin'))).size).toBe(SIZE);
  }));
