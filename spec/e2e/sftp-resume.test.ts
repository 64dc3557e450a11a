// A put over SFTP survives the serving sshd being killed mid-stream: it
// reconnects, truncates the temporary file to the resume point and goes on,
// byte-exact (docs/protocol.md §10).
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { chown, mkdtemp, readFile, readdir, rm, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { put, type RetryEvent } from '../../lib';
import { connectOptions, remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { dropConnections, killAll } from '../helpers/drop-connections';
import { remote, sshFlags, startCli } from '../helpers/cli';
import { rejection, waitFor } from '../helpers/async';

const sshd = sshdPerSuite();

// An upload into `dir` whose connection is dropped once its temporary file
// holds `bytes`; it waits to retry, its input still open.
async function droppedUpload(dir: string, bytes: number, extra: string[] = []): Promise<{ input: PassThrough; run: ReturnType<typeof startCli>; temp: string; sent: Buffer }> {
  const input = new PassThrough();
  const run = startCli(['put', ...sshFlags(sshd, sshd.sftp), ...extra, remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, dir)}/r.bin`)], { stdin: input, timeoutMs: 60_000 });
  const sent = randomBytes(4 * 1024 * 1024);
  input.write(sent);
  let temp: string | undefined;
  await waitFor(async () => {
    [temp] = await readdir(dir);
    return temp !== undefined && (await stat(join(dir, temp))).size >= bytes;
  }, 'bytes in the temporary file', 30_000);
  expect(await dropConnections(sshd)).toBeGreaterThan(0);
  await waitFor(() => run.stderr().includes('retry 1 of'), 'the retry line', 30_000);
  return { input, run, temp: temp!, sent };
}

describe('put over SFTP: a lost connection', () => {
  it('reconnects and ends byte-exact after the serving sshd is killed mid-stream', async () => {
    const dir = await userDir(sshd.sftp, 'resume');
    const data = randomBytes(48 * 1024 * 1024);
    const input = new PassThrough();
    const sums = join(await mkdtemp(join(tmpdir(), 'scpipe-test-sum-')), 'r.sha256');
    const run = startCli(['put', ...sshFlags(sshd, sshd.sftp), '-v', '--checksum-file', sums, remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, dir)}/r.bin`)], { stdin: input, timeoutMs: 120_000 });
    input.write(data.subarray(0, 24 * 1024 * 1024));
    // Part of the stream is on the server: cut the connection under it.
    await waitFor(async () => {
      const [temp] = await readdir(dir);
      return temp !== undefined && (await stat(join(dir, temp))).size >= 8 * 1024 * 1024;
    }, 'bytes in the temporary file', 60_000);
    expect(await dropConnections(sshd)).toBeGreaterThan(0);
    await waitFor(() => run.stderr().includes('retry 1 of'), 'the retry line', 30_000);
    input.end(data.subarray(24 * 1024 * 1024));
    const r = await run.done;
    expect(r.stderr).toMatch(/scpipe: sftp: resuming at byte \d+/);
    expect(r.status).toBe(0);
    expect(await readdir(dir)).toEqual(['r.bin']);
    expect((await readFile(join(dir, 'r.bin'))).equals(data)).toBe(true);
    // Each byte counted once, though some went twice.
    expect(await readFile(sums, 'utf8')).toBe(`${createHash('sha256').update(data).digest('hex')}  r.bin\n`);
    await rm(dirname(sums), { recursive: true });
  });

  // The input pauses (a slow producer): nothing is in flight when the
  // connection goes, and the run fails then, not at the next input.
  it('--retries 0, while waiting for input: the run fails at once and says where the partial upload is', async () => {
    const dir = await userDir(sshd.sftp, 'no-retry');
    const input = new PassThrough();
    const run = startCli(['put', ...sshFlags(sshd, sshd.sftp), '--retries', '0', remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, dir)}/r.bin`)], { stdin: input, timeoutMs: 30_000 });
    input.write(randomBytes(4 * 1024 * 1024));
    // All but the tail of the last write request lands, then nothing moves.
    let size = -1;
    let since = Date.now();
    await waitFor(async () => {
      const [temp] = await readdir(dir);
      const now = temp === undefined ? -1 : (await stat(join(dir, temp))).size;
      if (now !== size) [size, since] = [now, Date.now()];
      return size > 3 * 1024 * 1024 && Date.now() - since > 500;
    }, 'the input written to the temporary file', 30_000);
    await dropConnections(sshd);
    const r = await run.done;
    input.destroy();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/the partial upload is left in \/files\/.*\/\.r\.bin\.scpipe-\w{6}/);
    expect(await readdir(dir)).toEqual([expect.stringMatching(/^\.r\.bin\.scpipe-\w{6}$/)]);
  });

  // Every byte is acknowledged when the connection goes: it went during the
  // fsync, close or rename. The temporary file is whole on the server: the
  // run connects again, opens it, and finishes there.
  it('lost after the last acknowledgement (at the fsync or rename): reconnects and finishes, with no data sent again', async () => {
    const dir = await userDir(sshd.sftp, 'finish');
    const data = randomBytes(6 * 1024 * 1024);
    const input = new PassThrough();
    let pids: number[] | undefined;
    const retries: RetryEvent[] = [];
    const trace: string[] = [];
    let killed = false;
    const running = put(connectOptions(sshd, sshd.sftp), `${remotePath(sshd.sftp, dir)}/f.bin`, input, {
      protocol: 'sftp',
      parallel: 1,
      backoffMs: [0],
      trace: (l) => trace.push(l),
      onRetry: (e) => retries.push(e),
      onProgress: (p) => {
        if (pids !== undefined && p.bytes === BigInt(data.length) && !killed) {
          killed = true;
          killAll(pids);
        }
      },
    });
    input.write(data.subarray(0, 1024 * 1024));
    // Logged in and writing: the pids are the session's (before, they may be only the pre-authentication ones).
    await waitFor(async () => (await readdir(dir)).length > 0, 'the temporary file', 30_000);
    pids = await sshd.connectionPids();
    input.end(data.subarray(1024 * 1024));
    const result = await running;
    expect(killed).toBe(true);
    expect(result.bytes).toBe(BigInt(data.length));
    expect(retries).toHaveLength(1);
    expect(trace).toContainEqual(expect.stringMatching(/^sftp: finishing .*\.f\.bin\.scpipe-\w{6} over a new connection$/));
    expect(trace.filter((l) => l.startsWith('sftp: resuming'))).toEqual([]);
    expect(await readdir(dir)).toEqual(['f.bin']);
    expect((await readFile(join(dir, 'f.bin'))).equals(data)).toBe(true);
  });

  // Lost at the fsync or rename, and the temporary file removed before the
  // reconnection (another run's --remove-stale during the backoff): a target
  // of the same size, older than this upload, is the old file, not this
  // upload renamed. User saw: exit 0, and the old backup in place.
  it('lost after the last acknowledgement, the temporary file gone and an older target of the same size: fails, the target as it was', async () => {
    const dir = await userDir(sshd.sftp, 'finish-gone');
    const old = randomBytes(2 * 1024 * 1024);
    await writeFile(join(dir, 'f.bin'), old);
    await chown(join(dir, 'f.bin'), sshd.sftp.uid, sshd.sftp.gid);
    await utimes(join(dir, 'f.bin'), new Date(Date.now() - 86_400_000), new Date(Date.now() - 86_400_000));
    const data = randomBytes(old.length);
    const input = new PassThrough();
    let pids: number[] | undefined;
    let killed = false;
    const running = put(connectOptions(sshd, sshd.sftp), `${remotePath(sshd.sftp, dir)}/f.bin`, input, {
      protocol: 'sftp',
      parallel: 1,
      backoffMs: [0],
      onProgress: (p) => {
        if (pids !== undefined && p.bytes === BigInt(data.length) && !killed) {
          killed = true;
          killAll(pids);
          for (const name of readdirSync(dir)) if (name.startsWith('.f.bin.scpipe-')) rmSync(join(dir, name));
        }
      },
    });
    input.write(data.subarray(0, 1024 * 1024));
    await waitFor(async () => (await readdir(dir)).length > 1, 'the temporary file', 30_000);
    pids = await sshd.connectionPids();
    input.end(data.subarray(1024 * 1024));
    const err = await rejection(running);
    expect(err.code).toBe('ERR_LOST_CONNECTION');
    expect(err.message).toMatch(/is gone and .*\/f\.bin holds a file older than this upload$/); // not "…is left in" the file gone
    expect(killed).toBe(true);
    expect(await readdir(dir)).toEqual(['f.bin']);
    expect((await readFile(join(dir, 'f.bin'))).equals(old)).toBe(true);
  });

  // --mode 0444 (a backup to keep read-only), with -p and without: the
  // temporary file was made 0444, so the resume's open for writing was
  // refused. User sees: exit 0, where it said "open: Permission denied; the
  // partial upload is left in TEMP", exit 1. Left: r.bin, 0444 (as the
  // server's umask 022 leaves it without -p), byte-exact.
  it.each([[['-p', '--mode', '0444']], [['--mode', '0444']]])('%j: resumes into its temporary file and stores the file read-only', async (options) => {
    const dir = await userDir(sshd.sftp, `resume-0444${options.length}`);
    const { input, run, sent } = await droppedUpload(dir, 1, options);
    const tail = randomBytes(1024);
    input.end(tail);
    const r = await run.done;
    expect(r.stderr).not.toMatch(/Permission denied/);
    expect(r.status).toBe(0);
    expect(await readdir(dir)).toEqual(['r.bin']);
    expect((await stat(join(dir, 'r.bin'))).mode & 0o7777).toBe(0o444);
    expect((await readFile(join(dir, 'r.bin'))).equals(Buffer.concat([sent, tail]))).toBe(true);
  });

  // The temporary file removed while the connection was down (the
  // backoff waits up to minutes, so another run's --remove-stale may take it
  // for a leftover). User sees: exit 1, "…: the temporary file was removed
  // while the connection was down …", where it said "open: No such file;
  // the partial upload is left in TEMP", naming a file that is not there.
  // Left: nothing.
  it('the temporary file removed while the connection was down: said so', async () => {
    const dir = await userDir(sshd.sftp, 'resume-gone');
    const { input, run, temp } = await droppedUpload(dir, 1);
    await rm(join(dir, temp));
    input.end(randomBytes(1024));
    const r = await run.done;
    expect(r.status).toBe(1);
    expect(r.stderr.endsWith(`\nscpipe: ${remotePath(sshd.sftp, dir)}/${temp}: this upload's temporary file was removed while the connection was down (by hand, by another run's --remove-stale, or by a server that removed the uploads it cut as it stopped), so nothing was stored\n`)).toBe(true);
    expect(await readdir(dir)).toEqual([]);
  });

  // The temporary file cut shorter than the resume point while the
  // connection was down (by hand, a full-disk cleanup): truncating it "to"
  // the resume point would then grow it with zeros, and the held bytes
  // resent above them would make a target of the right size with a hole of
  // zeros in it, exit 0. OpenSSH's `sftp reput` resumes from the remote
  // size; a stream cannot go back, so the run must fail and store nothing.
  it('the temporary file cut short while the connection was down: fails, and stores nothing', async () => {
    const dir = await userDir(sshd.sftp, 'resume-cut');
    const { input, run, temp } = await droppedUpload(dir, 2 * 1024 * 1024);
    await truncate(join(dir, temp), 1024 * 1024);
    input.end(randomBytes(1024));
    const r = await run.done;
    expect(r.stderr).toMatch(/was cut to 1048576 bytes while the connection was down, below the \d+ the server had acknowledged/);
    expect(r.status).toBe(1);
    expect(await readdir(dir)).not.toContain('r.bin');
  });
});
