// put --no-clobber against real sshd: an existing remote file is never
// replaced. Over SCP a remote `scp -f` is asked first (nothing is sent when
// the file is there); over SFTP the target is looked at first, and the final
// rename refuses a file that appeared during the upload. Each test says what
// the user sees and what is left on both sides.
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { remotePath, userDir, type TestAccount } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags, startCli } from '../helpers/cli';
import { waitFor } from '../helpers/async';
import { dropConnections } from '../helpers/drop-connections';

const sshd = sshdPerSuite();
const TEMP = /^\.[^/]*\.scpipe-[A-Za-z0-9]{6}$/;

// A file the account owns, as if an earlier upload had left it.
async function existing(account: TestAccount, path: string, text: string): Promise<void> {
  await writeFile(path, text);
  await chown(path, account.uid, account.gid);
}

describe.each([
  ['over SCP (the rssh-like account, scp only)', () => sshd.rssh, ['scp'] as const],
  ['over SFTP (the internal-sftp jail)', () => sshd.sftp, ['scp', 'sftp'] as const],
])('put --no-clobber %s', (how, account, allowed) => {
  let dir: string;
  let rdir: string;
  beforeEach(async () => {
    await sshd.setRsshAllowed(allowed);
    dir = await userDir(account(), 'noclobber');
    rdir = remotePath(account(), dir);
  });
  const put = (path: string, extra: string[] = []): string[] => ['put', ...sshFlags(sshd, account()), '--no-clobber', ...extra, remote(sshd, account(), path)];
  const protocol = how.includes('SCP') ? 'scp' : 'sftp';

  // User sees: exit 1, "PATH: the remote file exists, and --no-clobber leaves it as it is". Left: the old file, nothing else.
  it('an existing file: exit 1 before anything is sent, the file as it was', async () => {
    await existing(account(), join(dir, 'f.bin'), 'old');
    const r = await runCli(put(`${rdir}/f.bin`, ['-v']), { stdin: 'new contents' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`scpipe: protocol: ${protocol}`);
    expect(r.stderr).toMatch(new RegExp(`scpipe: ${rdir}/f\\.bin: the remote file exists, and --no-clobber leaves it as it is\\n$`));
    expect(await readFile(join(dir, 'f.bin'), 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['f.bin']);
  });

  it('the same with --size (nothing spooled): nothing is sent', async () => {
    await existing(account(), join(dir, 'f.bin'), 'old');
    const r = await runCli(put(`${rdir}/f.bin`, ['--size', '3']), { stdin: 'new' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('the remote file exists, and --no-clobber leaves it as it is');
    expect(await readFile(join(dir, 'f.bin'), 'utf8')).toBe('old');
  });

  it('a directory target: the file that would land inside it is the one checked', async () => {
    await mkdir(join(dir, 'd'));
    await chown(join(dir, 'd'), account().uid, account().gid);
    const first = await runCli(put(`${rdir}/d`), { stdin: 'one' });
    expect(first).toMatchObject({ status: 0, stderr: '' });
    expect(await readFile(join(dir, 'd', 'd'), 'utf8')).toBe('one');
    const second = await runCli(put(`${rdir}/d`), { stdin: 'two' });
    expect(second.status).toBe(1);
    expect(second.stderr).toBe(`scpipe: ${rdir}/d/d: the remote file exists, and --no-clobber leaves it as it is\n`);
    expect(await readFile(join(dir, 'd', 'd'), 'utf8')).toBe('one');
  });

  it('no file of that name: uploaded as without the option', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 1);
    const r = await runCli(put(`${rdir}/new.bin`), { stdin: data });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect((await readFile(join(dir, 'new.bin'))).equals(data)).toBe(true);
    expect(await readdir(dir)).toEqual(['new.bin']);
  });
});

describe('put --no-clobber over SFTP, a file made during the upload', () => {
  // User sees: exit 1, "...: another program made this file during the
  // upload, and --no-clobber leaves it as it is; the upload is whole in
  // TEMP". Left: the other program's file as it wrote it, and the whole
  // upload under its temporary name (a complete backup is never removed).
  it('is left as it is, and the whole upload stays under its temporary name', async () => {
    await sshd.setRsshAllowed(['scp', 'sftp']);
    const dir = await userDir(sshd.sftp, 'noclobber-race');
    const rdir = remotePath(sshd.sftp, dir);
    const data = randomBytes(4 * 1024 * 1024);
    const input = new PassThrough();
    const run = startCli(['put', ...sshFlags(sshd, sshd.sftp), '--no-clobber', remote(sshd, sshd.sftp, `${rdir}/race.bin`)], { stdin: input, timeoutMs: 60_000 });
    input.write(data.subarray(0, 1024 * 1024));
    await waitFor(async () => (await readdir(dir)).some((n) => TEMP.test(n)), 'the temporary file', 30_000);
    await existing(sshd.sftp, join(dir, 'race.bin'), 'theirs');
    input.end(data.subarray(1024 * 1024));
    const r = await run.done;
    expect(r.status).toBe(1);
    const temp = (await readdir(dir)).find((n) => TEMP.test(n))!;
    expect(r.stderr).toBe(`scpipe: ${rdir}/race.bin: another program made this file during the upload, and --no-clobber leaves it as it is; the upload is whole in ${rdir}/${temp}\n`);
    expect(await readFile(join(dir, 'race.bin'), 'utf8')).toBe('theirs');
    expect((await readFile(join(dir, temp))).equals(data)).toBe(true);
  });
});

describe('put --no-clobber over SCP, a file made while the input is spooled', () => {
  // Two cron runs of one name with --no-clobber: each asked scp -f at its
  // start, neither found the file, and the one whose spool ended last
  // replaced the other's (exit 0 both). User sees now: exit 1, "the remote
  // file exists" (-v says when the first look found nothing). Left: the
  // other program's file as it wrote it.
  it('is not replaced: the file is looked for again before the header', async () => {
    await sshd.setRsshAllowed(['scp']);
    const dir = await userDir(sshd.rssh, 'noclobber-spool');
    const rdir = remotePath(sshd.rssh, dir);
    const input = new PassThrough();
    const run = startCli(['put', ...sshFlags(sshd, sshd.rssh), '-v', '--no-clobber', remote(sshd, sshd.rssh, `${rdir}/spool.bin`)], { stdin: input, timeoutMs: 60_000 });
    input.write(randomBytes(1024 * 1024));
    await waitFor(() => run.stderr().includes(`--no-clobber: ${rdir}/spool.bin: no file there yet`), 'the first look for the file', 30_000);
    await existing(sshd.rssh, join(dir, 'spool.bin'), 'theirs');
    input.end(randomBytes(1024 * 1024));
    const r = await run.done;
    expect(r.status).toBe(1);
    expect(r.stderr.endsWith(`\nscpipe: ${rdir}/spool.bin: the remote file exists, and --no-clobber leaves it as it is\n`)).toBe(true);
    expect(await readFile(join(dir, 'spool.bin'), 'utf8')).toBe('theirs');
  });
});

describe('put --no-clobber over SCP, a connection lost while the input is spooled', () => {
  // The retry after the loss sent the spool without looking again, so a
  // file another program made meanwhile was replaced (exit 0). User sees
  // now: exit 1, "the remote file exists"; left: the other program's file.
  it('is retried, and the file is still looked for again before the header', async () => {
    await sshd.setRsshAllowed(['scp']);
    const dir = await userDir(sshd.rssh, 'noclobber-loss');
    const rdir = remotePath(sshd.rssh, dir);
    const input = new PassThrough();
    const run = startCli(['put', ...sshFlags(sshd, sshd.rssh), '-v', '--no-clobber', remote(sshd, sshd.rssh, `${rdir}/lost.bin`)], { stdin: input, timeoutMs: 60_000 });
    try {
      input.write(randomBytes(1024 * 1024));
      await waitFor(() => run.stderr().includes(`--no-clobber: ${rdir}/lost.bin: no file there yet`) && run.stderr().includes('< \\0 (ok)'), 'the first look and the remote scp -t', 30_000);
      await dropConnections(sshd);
      await waitFor(() => run.stderr().includes('will reconnect once the input is spooled'), 'the loss said', 30_000);
      await existing(sshd.rssh, join(dir, 'lost.bin'), 'theirs');
      input.end(randomBytes(1024 * 1024));
      const r = await run.done;
      expect(r.stderr).toMatch(/retry 1 of 5/);
      expect(r.status).toBe(1);
      expect(r.stderr.endsWith(`\nscpipe: ${rdir}/lost.bin: the remote file exists, and --no-clobber leaves it as it is\n`)).toBe(true);
      expect(await readFile(join(dir, 'lost.bin'), 'utf8')).toBe('theirs');
    } finally {
      input.destroy();
    }
  });
});

describe('put --no-clobber over SCP, a connection lost while the first look runs', () => {
  // The look (a remote scp -f, here one slow to start) cut by the loss
  // ended the run at once, "cannot tell whether PATH exists", though nothing
  // was sent and the loss was retried. User sees now: a retry, exit 0, the
  // file looked for again before the header. Left: the whole file.
  it('is retried: the file is looked for again and stored, exit 0', async () => {
    const dir = await userDir(sshd.user, 'noclobber-look-lost');
    const slow = join(dir, 'slow-scp');
    // The first scp -f (the look) waits before it becomes scp, leaving a mark; any other is scp at once.
    await writeFile(slow, `#!/bin/sh\ncase " $* " in *" -f "*) if [ ! -e "$0.started" ]; then touch "$0.started"; sleep 30; fi;; esac\nexec scp "$@"\n`);
    await chmod(slow, 0o755);
    await chown(slow, sshd.user.uid, sshd.user.gid);
    const data = randomBytes(2 * 1024 * 1024);
    const input = new PassThrough();
    const run = startCli(['put', ...sshFlags(sshd, sshd.user), '-O', '-v', '--no-clobber', '--scp-path', slow, remote(sshd, sshd.user, join(dir, 'f.bin'))], { stdin: input, timeoutMs: 60_000 });
    try {
      input.write(data.subarray(0, 1024 * 1024));
      await waitFor(async () => run.stderr().includes('< \\0 (ok)') && (await readdir(dir)).includes('slow-scp.started'), 'the look and the remote scp -t', 30_000);
      await dropConnections(sshd);
      await waitFor(() => run.stderr().includes('will reconnect once the input is spooled') || run.child.exitCode !== null, 'the loss said', 30_000);
      input.end(data.subarray(1024 * 1024));
      const r = await run.done;
      expect(r.stderr).toMatch(/retry 1 of 5/);
      expect(r.status).toBe(0);
      expect((await readFile(join(dir, 'f.bin'))).equals(data)).toBe(true);
    } finally {
      input.destroy();
    }
  });
});

describe('put --no-clobber --part-size over SFTP, a part made during the upload', () => {
  // User sees: exit 1, that part's name refused, and that the set is
  // incomplete with the parts confirmed (as any set that fails says), not
  // only "the remote file exists", which reads as "nothing was sent".
  // Left: the parts sent, the other program's file, no manifest.
  it('says the set is incomplete and which parts were stored', async () => {
    await sshd.setRsshAllowed(['scp', 'sftp']);
    const dir = await userDir(sshd.sftp, 'noclobber-parts-race');
    const rdir = remotePath(sshd.sftp, dir);
    const input = new PassThrough();
    const run = startCli(['put', ...sshFlags(sshd, sshd.sftp), '--no-clobber', '--parallel', '1', '--part-size', '1M', remote(sshd, sshd.sftp, `${rdir}/set`)], { stdin: input, timeoutMs: 60_000 });
    input.write(randomBytes(2 * 1024 * 1024 + 1));
    await waitFor(async () => (await readdir(dir)).includes('set.000001'), 'the second part', 30_000);
    await existing(sshd.sftp, join(dir, 'set.000002'), 'theirs');
    input.end(randomBytes(1024 * 1024));
    const r = await run.done;
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`scpipe: ${rdir}/set.000002: the remote file exists, and --no-clobber leaves it as it is; the parts set set is incomplete (no manifest set.sha256): 2 part(s) confirmed remotely: set.000000..set.000001\n`);
    expect((await readdir(dir)).sort()).toEqual(['set.000000', 'set.000001', 'set.000002']);
    expect(await readFile(join(dir, 'set.000002'), 'utf8')).toBe('theirs');
  });
});

describe('put --no-clobber --part-size', () => {
  let dir: string;
  let rdir: string;
  beforeEach(async () => {
    await sshd.setRsshAllowed(['scp', 'sftp']);
    dir = await userDir(sshd.rssh, 'noclobber-parts');
    rdir = remotePath(sshd.rssh, dir);
  });
  const put = (): string[] => ['put', ...sshFlags(sshd, sshd.rssh), '--no-clobber', '--part-size', '1M', remote(sshd, sshd.rssh, `${rdir}/set`)];

  // A first part alone is what a try that was stopped left (a nightly job
  // run again the same day): the message says so, and how to go on.
  const unfinished = (): string => `: it is the first part of a set of this name without its manifest ${rdir}/set.sha256, whose upload did not finish ` +
    '(or is still running): give this run a name of its own, or run it without --no-clobber to store the set over those parts (an append-only server refuses that)';
  it.each([['the manifest', 'set.sha256', false], ['a plain file of the name', 'set', false], ['a first part of an earlier try', 'set.000000', true]])(
    '%s there: exit 1, no part sent',
    async (_what, name, firstPart) => {
      await existing(sshd.rssh, join(dir, name), 'old');
      const r = await runCli(put(), { stdin: randomBytes(3 * 1024 * 1024) });
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`scpipe: ${rdir}/${name}: the remote file exists, and --no-clobber leaves it as it is${firstPart ? unfinished() : ''}\n`);
      expect(await readdir(dir)).toEqual([name]);
      expect(await readFile(join(dir, name), 'utf8')).toBe('old');
    },
  );

  it('none there: the set is sent', async () => {
    const r = await runCli(put(), { stdin: randomBytes(3 * 1024 * 1024) });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect((await readdir(dir)).sort()).toEqual(['set.000000', 'set.000001', 'set.000002', 'set.sha256']);
  });
});
