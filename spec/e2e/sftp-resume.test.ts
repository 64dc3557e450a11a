// A put over SFTP survives the serving sshd being killed mid-stream: it
// reconnects, truncates the temporary file to the resume point and goes on,
// byte-exact (docs/protocol.md §10).
import { randomBytes } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, sshFlags, startCli } from '../helpers/cli';
import { waitFor } from '../helpers/async';

const sshd = sshdPerSuite();

describe('put over SFTP: a lost connection', () => {
  it('reconnects and ends byte-exact after the serving sshd is killed mid-stream', async () => {
    const dir = await userDir(sshd.sftp, 'resume');
    const data = randomBytes(48 * 1024 * 1024);
    const input = new PassThrough();
    const run = startCli(['put', ...sshFlags(sshd, sshd.sftp), '-v', remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, dir)}/r.bin`)], { stdin: input, timeoutMs: 120_000 });
    input.write(data.subarray(0, 24 * 1024 * 1024));
    // Part of the stream is on the server: cut the connection under it.
    await waitFor(async () => {
      const [temp] = await readdir(dir);
      return temp !== undefined && (await stat(join(dir, temp))).size >= 8 * 1024 * 1024;
    }, 'bytes in the temporary file', 60_000);
    const pids = await sshd.connectionPids();
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    await waitFor(() => run.stderr().includes('retry 1 of'), 'the retry line', 30_000);
    input.end(data.subarray(24 * 1024 * 1024));
    const r = await run.done;
    expect(r.stderr).toMatch(/scpipe: sftp: resuming at byte \d+/);
    expect(r.status).toBe(0);
    expect(await readdir(dir)).toEqual(['r.bin']);
    expect((await readFile(join(dir, 'r.bin'))).equals(data)).toBe(true);
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
    for (const pid of await sshd.connectionPids()) process.kill(pid, 'SIGKILL');
    const r = await run.done;
    input.destroy();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/the partial upload is left in \/files\/.*\/\.r\.bin\.scpipe-\w{6}/);
    expect(await readdir(dir)).toEqual([expect.stringMatching(/^\.r\.bin\.scpipe-\w{6}$/)]);
  });
});
