// `get` after a dropped connection: the sshd processes serving the download
// are killed in the middle of it. Over SFTP the run reads on from the first
// byte it had not handed on, to stdout or --output; over SCP a download to
// --output starts over, and one to stdout, once bytes went out, fails
// saying so. Each test says what the user sees and what is left on disk.
import { createHash, randomBytes } from 'node:crypto';
import { chown, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { remotePath, userDir, type TestAccount } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { dropConnections } from '../helpers/drop-connections';
import { remote, sshFlags, startCli, type CliRun } from '../helpers/cli';
import { tempDirPerTest } from '../helpers/temp-dir';
import { waitFor } from '../helpers/async';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-test-get-retry-');
const MiB = 1024 * 1024;

async function remoteFile(account: TestAccount, name: string, data: Buffer): Promise<string> {
  const dir = await userDir(account, 'get-retry');
  await writeFile(join(dir, name), data);
  await chown(join(dir, name), account.uid, account.gid);
  return remote(sshd, account, `${remotePath(account, dir)}/${name}`);
}

// Holds the CLI's stdout unread once `bytes` came out: the CLI is then stuck
// mid-download (its stdout pipe is full), with most of the file still remote.
function holdStdoutAfter(run: CliRun, bytes: number): Promise<void> {
  let seen = 0;
  return new Promise((resolve) => {
    const onData = (d: Buffer): void => {
      seen += d.length;
      if (seen < bytes) return;
      run.child.stdout!.off('data', onData);
      run.child.stdout!.pause();
      resolve();
    };
    run.child.stdout!.on('data', onData);
  });
}

// The lines that announce a retry, as the user sees them on stderr.
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const retryLines = (stderr: string): string[] => stderr.split('\n').filter((l) => /; retry \d+ of \d+ in \d+ s$/.test(l));

// The size of the one temporary file in `dir` (0 while there is none).
async function tempSize(dir: string): Promise<number> {
  const [temp] = (await readdir(dir)).filter((f) => f.includes('.scpipe-'));
  return temp === undefined ? 0 : (await stat(join(dir, temp)).catch(() => ({ size: 0 }))).size;
}

describe('get over SFTP: a dropped connection', () => {
  // User sees: one retry line on stderr, exit 0; stdout: the whole file once.
  // Left: nothing locally; the remote file untouched.
  it('to stdout: reads on from the first byte not yet written, byte-exact', async () => {
    const data = randomBytes(64 * MiB);
    const source = await remoteFile(sshd.sftp, 's.bin', data);
    const run = startCli(['get', ...sshFlags(sshd, sshd.sftp), '-v', '--parallel', '2', source], { timeoutMs: 120_000 });
    await holdStdoutAfter(run, 8 * MiB);
    expect(await dropConnections(sshd)).toBeGreaterThan(0);
    run.child.stdout!.resume();
    const r = await run.done;
    // The retry line: the path as given, what went wrong, which retry of how many, and the wait.
    expect(retryLines(r.stderr)).toEqual([
      expect.stringMatching(/^scpipe: \/files\/scpipe-sftp-get-retry-\w+\/s\.bin: read: .*SFTP .*; retry 1 of 5 in 1 s$/),
    ]);
    expect(r.stderr).toMatch(/scpipe: sftp: reading on from byte \d+\n/);
    expect(r.status).toBe(0);
    expect(r.stdout.length).toBe(data.length);
    expect(r.stdout.equals(data)).toBe(true);
  }, 150_000);

  // User sees: a retry line, exit 0. Left: only out.bin (no temporary file), byte-exact.
  it('to --output: the same file goes on from where it was, and is renamed when whole', async () => {
    const data = randomBytes(48 * MiB);
    const source = await remoteFile(sshd.sftp, 'o.bin', data);
    const out = join(local(), 'out.bin');
    // -l: slow enough (10 MB/s) for the kill to land mid-file.
    const run = startCli(['get', ...sshFlags(sshd, sshd.sftp), '-l', '80000', '--output', out, source], { timeoutMs: 120_000 });
    await waitFor(async () => (await tempSize(local())) >= 4 * MiB, 'bytes in the local temporary file', 60_000);
    expect(await dropConnections(sshd)).toBeGreaterThan(0);
    const r = await run.done;
    expect(r.stderr).toMatch(/retry 1 of 5 in 1 s/);
    expect(r.status).toBe(0);
    expect(await readdir(local())).toEqual(['out.bin']);
    expect((await readFile(out)).equals(data)).toBe(true);
  }, 150_000);

  // User sees: exit 1 with the lost connection; no retry line. Left: no
  // local file at all (the temporary one is removed), the remote untouched.
  it('--retries 0: exit 1, and --output leaves nothing behind', async () => {
    const data = randomBytes(48 * MiB);
    const source = await remoteFile(sshd.sftp, 'n.bin', data);
    const out = join(local(), 'out.bin');
    const run = startCli(['get', ...sshFlags(sshd, sshd.sftp), '-l', '80000', '--retries', '0', '--output', out, source], { timeoutMs: 120_000 });
    await waitFor(async () => (await tempSize(local())) > 0, 'bytes in the local temporary file', 60_000);
    expect(await dropConnections(sshd)).toBeGreaterThan(0);
    const r = await run.done;
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^scpipe: .*n\.bin: read: (the SFTP session ended|the server ended the SFTP session)/m);
    expect(r.stderr).not.toMatch(/retry \d+ of/);
    expect(await readdir(local())).toEqual([]);
  }, 150_000);
});

describe('get over SCP: a dropped connection', () => {
  // User sees: a retry line, exit 0. Left: only out.bin, byte-exact (the
  // first attempt's temporary file is gone; the file was fetched again).
  it('to --output: fetched again from the start, the target replaced once whole', async () => {
    const data = randomBytes(32 * MiB);
    const source = await remoteFile(sshd.user, 'c.bin', data);
    const out = join(local(), 'out.bin');
    await writeFile(out, 'old contents');
    const run = startCli(['get', ...sshFlags(sshd, sshd.user), '-O', '-l', '80000', '--output', out, '--expect-sha256', sha(data), '-v', source], { timeoutMs: 120_000 });
    await waitFor(async () => (await tempSize(local())) >= 4 * MiB, 'bytes in the local temporary file', 60_000);
    expect(await dropConnections(sshd)).toBeGreaterThan(0);
    const r = await run.done;
    // The sum is of the attempt that completed.
    expect(r.stderr).toContain(`scpipe: sha256 ${sha(data)}, as expected\n`);
    expect(retryLines(r.stderr)).toEqual([
      expect.stringMatching(/^scpipe: \/tmp\/scpipe-test-\w+\/files\/scpipe-user-get-retry-\w+\/c\.bin: connection lost in the middle of a file.*; retry 1 of 5 in 1 s$/),
    ]);
    expect(r.status).toBe(0);
    expect(await readdir(local())).toEqual(['out.bin']);
    expect((await readFile(out)).equals(data)).toBe(true);
  }, 150_000);

  // User sees: exit 1, "... N bytes had already been written out, so the file
  // is not fetched again (a download to a file, --output, is)"; stdout holds
  // a prefix of the file. Nothing is left on disk on either side.
  it('to stdout after bytes went out: fails and says why it is not fetched again', async () => {
    const data = randomBytes(64 * MiB);
    const source = await remoteFile(sshd.user, 'p.bin', data);
    const run = startCli(['get', ...sshFlags(sshd, sshd.user), '-O', source], { timeoutMs: 120_000 });
    await holdStdoutAfter(run, 8 * MiB);
    expect(await dropConnections(sshd)).toBeGreaterThan(0);
    run.child.stdout!.resume();
    const r = await run.done;
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/; \d+ bytes had already been written out, so the file is not fetched again \(a download to a file, --output, is\)\n$/);
    expect(r.stderr).not.toMatch(/retry \d+ of/);
    expect(r.stdout.length).toBeLessThan(data.length);
    expect(r.stdout.equals(data.subarray(0, r.stdout.length))).toBe(true);
  }, 150_000);

  // User sees: a retry line, exit 0, the whole file on stdout: the first
  // connection died before the remote scp sent a byte (its sshd killed).
  it('to stdout before the first byte: fetched again', async () => {
    const data = randomBytes(3 * MiB);
    const source = await remoteFile(sshd.user, 'b.bin', data);
    const marker = join(await userDir(sshd.user, 'marker'), 'first');
    const scp = join(sshd.dir, `scp-dies-once-${process.pid}`);
    // The first run kills the sshd session process serving it (its nearest
    // sshd ancestor, as the user) before scp starts; later runs are scp.
    const killSession = `p=$PPID; while [ "$(cat /proc/$p/comm)" != sshd ]; do p=$(cut -d' ' -f4 /proc/$p/stat); done; kill -9 $p; sleep 10`;
    await writeFile(scp, `#!/bin/sh\nif [ ! -e '${marker}' ]; then : > '${marker}'; ${killSession}; fi\nexec scp "$@"\n`, { mode: 0o755 });
    const run = startCli(['get', ...sshFlags(sshd, sshd.user), '-O', '--scp-path', scp, source], { timeoutMs: 120_000 });
    const r = await run.done;
    expect(r.stderr).toMatch(/scpipe: .*b\.bin: .*; retry 1 of 5 in 1 s\n/);
    expect(r.status).toBe(0);
    expect(r.stdout.equals(data)).toBe(true);
  }, 150_000);
});
