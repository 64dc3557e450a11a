// A put or get over SFTP on two channels whose one channel ends (its
// internal-sftp process killed, as an OOM killer or an admin does) while the
// other one is behind: the other answers during the backoff, and the file,
// cut back to where the loss left it, or the stream, read on from the first
// byte not handed on, must still end byte-exact.
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { chown, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, sshFlags, startCli } from '../helpers/cli';
import { waitFor, waitForSteady } from '../helpers/async';
import { tempWithBytes } from '../helpers/upload-temp';

const sshd = sshdPerSuite();

// The processes running the sessions (each channel's internal-sftp): those serving the connection with no child.
// A process that ended since it was listed (a pre-auth child) is left out.
async function sessionPids(): Promise<number[]> {
  const listed = await sshd.connectionPids();
  const parentOf = new Map<number, number>();
  for (const pid of listed) {
    const stat = readIfThere(`/proc/${pid}/stat`);
    if (stat !== undefined) parentOf.set(pid, Number(stat.replace(/^.*\) /s, '').split(' ')[1]));
  }
  const parents = new Set(parentOf.values());
  return [...parentOf.keys()].filter((pid) => !parents.has(pid));
}

function readIfThere(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ESRCH') return undefined;
    throw err;
  }
}

it('put: one of two channels lost while the other is behind: resumed byte-exact', async () => {
  const dir = await userDir(sshd.sftp, 'lane-lost');
  const data = randomBytes(40 * 1024 * 1024);
  const input = new PassThrough();
  const run = startCli(['put', ...sshFlags(sshd, sshd.sftp), '--parallel', '2', remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, dir)}/r.bin`)], { stdin: input, timeoutMs: 120_000 });
  input.write(data);
  let behind: number | undefined;
  try {
    const temp = await tempWithBytes(dir, 'r.bin', 30_000);
    let sessions: number[] = [];
    await waitFor(async () => (sessions = await sessionPids()).length === 2, 'two channels', 30_000);
    // One channel stops answering: the other takes the writes until the writer holds all it may.
    [behind] = sessions;
    process.kill(behind!, 'SIGSTOP');
    await waitForSteady(() => { try { return statSync(join(dir, temp)).size; } catch { return -1; } }, 'the upload held up by the stopped channel', 700);
    process.kill(sessions[1]!, 'SIGKILL');
    process.kill(behind!, 'SIGCONT');
    behind = undefined;
    await waitFor(() => run.stderr().includes('retry 1 of'), 'the retry line', 30_000);
    input.end();
    const r = await run.done;
    expect(r.status).toBe(0);
    expect(await readdir(dir)).toEqual(['r.bin']);
    expect((await stat(join(dir, 'r.bin'))).size).toBe(data.length);
    expect((await readFile(join(dir, 'r.bin'))).equals(data)).toBe(true);
  } finally {
    if (behind !== undefined) process.kill(behind, 'SIGCONT');
    input.destroy();
  }
}, 150_000);

it('get: one of two channels lost while the other is behind: read on byte-exact', async () => {
  const dir = await userDir(sshd.sftp, 'get-lane-lost');
  const data = randomBytes(32 * 1024 * 1024);
  await writeFile(join(dir, 's.bin'), data);
  await chown(join(dir, 's.bin'), sshd.sftp.uid, sshd.sftp.gid);
  const run = startCli(['get', ...sshFlags(sshd, sshd.sftp), '--parallel', '2', remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, dir)}/s.bin`)], { timeoutMs: 120_000 });
  const stdout = run.child.stdout!;
  stdout.pause(); // held up by its reader: both channels stay open, mid-file
  let got = 0;
  stdout.on('data', (d: Buffer) => (got += d.length));
  stdout.pause();
  let behind: number | undefined;
  try {
    let sessions: number[] = [];
    await waitFor(async () => (sessions = await sessionPids()).length === 2, 'two channels', 30_000);
    [behind] = sessions;
    process.kill(behind!, 'SIGSTOP');
    stdout.resume();
    await waitForSteady(() => got, 'the download held up by the stopped channel', 700);
    expect(got).toBeLessThan(data.length);
    process.kill(sessions[1]!, 'SIGKILL');
    process.kill(behind!, 'SIGCONT');
    behind = undefined;
    const r = await run.done;
    expect(r.stderr).toContain('retry 1 of');
    expect(r.status).toBe(0);
    expect(r.stdout.equals(data)).toBe(true);
  } finally {
    if (behind !== undefined) process.kill(behind, 'SIGCONT');
  }
}, 150_000);
