// The temporary file a SIGKILLed SFTP upload leaves: named as scpipe's, kept
// by later runs (it may be another upload's, still running), and removed
// when the user asks (`put --remove-stale`) once it is no longer written to.
import { readFile, readdir, utimes } from 'node:fs/promises';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { endlessInput, remote, runCli, sshFlags, startCli } from '../helpers/cli';
import { waitFor } from '../helpers/async';
import { join } from 'node:path';
import { STALE_AFTER_S } from '../../lib';

const sshd = sshdPerSuite();

describe('a stale temporary file after a SIGKILLed SFTP upload', () => {
  // User sees: nothing about it on a plain later run (exit 0, the leftover
  // stays); with --remove-stale while it is fresh "scpipe: kept …: written to
  // N s ago, another upload may still be writing it …", exit 0; once it is
  // older "scpipe: removed /files/…/.t.bin.scpipe-XXXXXX, left by an
  // interrupted upload" and exit 0. Left remotely: t.bin, and after the
  // second --remove-stale nothing else.
  it('stays through a later run, is kept by --remove-stale while fresh, and removed once old', async () => {
    const dir = await userDir(sshd.sftp, 'stale');
    const target = remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, dir)}/t.bin`);
    const endless = endlessInput();
    try {
      const run = startCli(['put', ...sshFlags(sshd, sshd.sftp), target], { stdin: endless });
      await waitFor(async () => (await readdir(dir)).length > 0, 'the temporary file', 30_000);
      run.child.kill('SIGKILL');
      await run.done;
    } finally {
      endless.destroy();
    }
    const [stale] = await readdir(dir);
    expect(stale).toMatch(/^\.t\.bin\.scpipe-\w{6}$/);

    const plain = await runCli(['put', ...sshFlags(sshd, sshd.sftp), target], { stdin: 'first' });
    expect(plain).toMatchObject({ status: 0, stderr: '' });
    expect((await readdir(dir)).sort()).toEqual([stale, 't.bin']);

    const fresh = await runCli(['put', ...sshFlags(sshd, sshd.sftp), '--remove-stale', target], { stdin: 'second' });
    expect(fresh.status).toBe(0);
    expect(fresh.stderr).toMatch(new RegExp(`^scpipe: kept ${remotePath(sshd.sftp, dir)}/${stale.replace(/\./g, '\\.')}: written to \\d+ s ago, another upload may still be writing it`));
    expect((await readdir(dir)).sort()).toEqual([stale, 't.bin']);

    const old = new Date(Date.now() - (STALE_AFTER_S + 60) * 1000);
    await utimes(join(dir, stale), old, old);
    const asked = await runCli(['put', ...sshFlags(sshd, sshd.sftp), '--remove-stale', target], { stdin: 'second' });
    expect(asked.status).toBe(0);
    expect(asked.stderr).toBe(`scpipe: removed ${remotePath(sshd.sftp, dir)}/${stale}, left by an interrupted upload\n`);
    expect(await readdir(dir)).toEqual(['t.bin']);
    expect(await readFile(join(dir, 't.bin'), 'utf8')).toBe('second');
  }, 90_000);
});
