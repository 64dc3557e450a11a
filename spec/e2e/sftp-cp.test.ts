// `scpipe cp` over SFTP end to end: the built CLI against a real OpenSSH
// sshd, through the sftp-only jail (ForceCommand internal-sftp, chrooted)
// and the normal account (sftp-server), trees both ways with modes and
// times, problems per file, what is left on disk, and the protocol choice.
// What cp -r over SFTP says: sftp-cp-output.test.ts.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { remotePath, userDir, type TestAccount } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags, startCli } from '../helpers/cli';
import { waitFor } from '../helpers/async';

const sshd = sshdPerSuite();
let local: string;

beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'scpipe-test-sftpcp-'));
});
afterEach(async () => {
  await rm(local, { recursive: true, force: true });
});

const cp = (account: TestAccount, args: string[], extra: string[] = []): Promise<Awaited<ReturnType<typeof runCli>>> =>
  runCli(['cp', ...sshFlags(sshd, account), '-q', ...extra, ...args]);
const TIME = 1_500_000_000;

// A small tree: files of several sizes and modes, an empty dir, a subdir.
async function makeTree(root: string, owner?: TestAccount): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>([
    ['a.txt', Buffer.from('alpha\n')],
    ['empty', Buffer.alloc(0)],
    ['sub/big.bin', randomBytes(700_000)],
    ['sub/deeper/x y', Buffer.from('spaces')],
  ]);
  await mkdir(join(root, 'sub', 'deeper'), { recursive: true });
  await mkdir(join(root, 'emptydir'));
  for (const [name, data] of files) await writeFile(join(root, name), data);
  await chmod(join(root, 'a.txt'), 0o640);
  await chmod(join(root, 'sub'), 0o750);
  for (const p of ['a.txt', 'empty', 'sub/big.bin', 'sub/deeper/x y', 'sub/deeper', 'sub', 'emptydir', '.']) {
    await utimes(join(root, p), TIME, TIME);
    if (owner) await chown(join(root, p), owner.uid, owner.gid);
  }
  return files;
}

async function expectTree(root: string, files: Map<string, Buffer>, preserved: boolean): Promise<void> {
  for (const [name, data] of files) expect((await readFile(join(root, name))).equals(data)).toBe(true);
  expect((await readdir(join(root, 'emptydir')))).toEqual([]);
  expect((await readdir(root)).sort()).toEqual(['a.txt', 'empty', 'emptydir', 'sub']);
  if (!preserved) return;
  expect((await stat(join(root, 'a.txt'))).mode & 0o777).toBe(0o640);
  expect((await stat(join(root, 'sub'))).mode & 0o777).toBe(0o750);
  for (const p of ['a.txt', 'sub/big.bin', 'sub', 'sub/deeper', 'emptydir']) {
    expect(Math.floor((await stat(join(root, p))).mtimeMs / 1000)).toBe(TIME);
  }
}

// As scp's verifydir() and scp -t -d. User sees: exit 1, "TARGET: No such
// file or directory" or "TARGET: Not a directory" (over SCP up, from the
// remote scp); nothing is copied, and an existing file of that name is
// left as it was, on either side.
async function expectSeveralNeedDirectory(account: TestAccount, dir: string, rdir: string, extra: string[]): Promise<void> {
  await writeFile(join(local, 'l1'), '1');
  await writeFile(join(local, 'l2'), '2');
  await writeFile(join(dir, 'rfile'), 'old');
  for (const [name, why] of [['nodir', 'No such file or directory'], ['rfile', 'Not a directory']]) {
    const up = await cp(account, [join(local, 'l1'), join(local, 'l2'), remote(sshd, account, `${rdir}/${name}`)], extra);
    expect(up.status).toBe(1);
    expect(up.stderr).toMatch(new RegExp(`^scpipe: (remote: scp: )?${rdir}/${name}: ${why}\n$`));
  }
  expect(await readdir(dir)).toEqual(['rfile']);
  expect(await readFile(join(dir, 'rfile'), 'utf8')).toBe('old');
  await rm(join(local, 'l1'));
  await rm(join(local, 'l2'));
  await rm(join(dir, 'rfile'));

  await writeFile(join(dir, 'f1'), '1');
  await writeFile(join(dir, 'f2'), '2');
  const sources = ['f1', 'f2'].map((n) => remote(sshd, account, `${rdir}/${n}`));
  const missing = await cp(account, [...sources, join(local, 'new')], extra);
  expect(missing).toMatchObject({ status: 1, stderr: `scpipe: ${join(local, 'new')}: No such file or directory\n` });
  await writeFile(join(local, 'file'), 'old');
  const file = await cp(account, [...sources, join(local, 'file')], extra);
  expect(file).toMatchObject({ status: 1, stderr: `scpipe: ${join(local, 'file')}: Not a directory\n` });
  expect((await readdir(local)).sort()).toEqual(['file']);
  expect(await readFile(join(local, 'file'), 'utf8')).toBe('old');
}

describe.each([
  ['the sftp-only jail', () => sshd.sftp],
  ['the normal account', () => sshd.user],
])('scpipe cp over SFTP through %s', (_, account) => {
  let dir: string; // on this machine
  let rdir: string; // as the account sees it
  beforeEach(async () => {
    dir = await userDir(account(), 'sftp-cp');
    rdir = remotePath(account(), dir);
  });

  it('cp -r -p uploads a tree: contents, modes, times, and no temporary file left', async () => {
    const files = await makeTree(join(local, 'tree'));
    const r = await cp(account(), ['-r', '-p', '-v', join(local, 'tree'), remote(sshd, account(), `${rdir}/copy`)]);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('scpipe: protocol: sftp (the sftp subsystem opened)');
    await expectTree(join(dir, 'copy'), files, true);
    // Into an existing directory, the tree goes inside it under its own name.
    const again = await cp(account(), ['-r', join(local, 'tree'), remote(sshd, account(), rdir)]);
    expect(again).toMatchObject({ status: 0, stderr: '' });
    await expectTree(join(dir, 'tree'), files, false);
    expect((await readdir(dir)).sort()).toEqual(['copy', 'tree']);
  });

  it('cp -r -p downloads a tree: contents, modes, times; nothing else written', async () => {
    const files = await makeTree(join(dir, 'tree'), account());
    const r = await cp(account(), ['-r', '-p', remote(sshd, account(), `${rdir}/tree`), join(local, 'got')]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    await expectTree(join(local, 'got'), files, true);
    expect(await readdir(local)).toEqual(['got']);
  });

  it('several files both ways; a missing one is reported, the others are copied, exit 1', async () => {
    await writeFile(join(local, 'one'), '1');
    await writeFile(join(local, 'two'), '2');
    const up = await cp(account(), [join(local, 'one'), join(local, 'missing'), join(local, 'two'), remote(sshd, account(), `${rdir}/`)]);
    expect(up.status).toBe(1);
    expect(up.stderr).toMatch(/missing: No such file or directory/);
    expect((await readdir(dir)).sort()).toEqual(['one', 'two']);
    const back = join(local, 'back');
    await mkdir(back);
    const down = await cp(account(), [remote(sshd, account(), `${rdir}/one`), remote(sshd, account(), `${rdir}/nope`), remote(sshd, account(), `${rdir}/two`), back]);
    expect(down.status).toBe(1);
    expect(down.stderr).toMatch(/nope: stat: No such file/);
    expect((await readdir(back)).sort()).toEqual(['one', 'two']);
    expect(await readFile(join(back, 'two'), 'utf8')).toBe('2');
  });

  it('several sources need a directory, both ways', async () => {
    await expectSeveralNeedDirectory(account(), dir, rdir, []);
  });

  // As scp -t, whose open("nodir/") fails before a byte: a target ending in
  // `/` that is not a directory refuses a file before it is sent, rather than
  // after all of it went to a temporary name whose rename then failed.
  // OpenSSH's scp stops at 64 levels in its SFTP mode, its guard against
  // link loops; scpipe uploads deeper trees, so it must fetch them back
  // (an sftp-only host has no SCP to fall back on), and finds loops by real path.
  it('cp -r downloads a tree deeper than 64 levels, and refuses link loops by their real path', async () => {
    const tree = join(dir, 't');
    const deep = join(tree, ...Array<string>(70).fill('d'));
    await mkdir(deep, { recursive: true });
    await writeFile(join(deep, 'bottom'), 'deep');
    await mkdir(join(tree, 'A'));
    await mkdir(join(tree, 'B'));
    await writeFile(join(tree, 'A', 'fa'), 'a');
    await symlink('../B', join(tree, 'A', 'x'));
    await symlink('../A', join(tree, 'B', 'y'));
    await symlink('.', join(tree, 'self'));
    execFileSync('chown', ['-hR', `${account().uid}:${account().gid}`, tree]);
    const r = await cp(account(), ['-r', remote(sshd, account(), `${rdir}/t`), join(local, 'got')]);
    expect(r.status).toBe(1);
    const loop = (p: string): string => `scpipe: ${rdir}/t/${p}: directory loop (a symbolic link to a parent), not copied`;
    expect(r.stderr.split('\n').filter((l) => l !== '').sort()).toEqual([loop('A/x/y'), loop('B/y/x'), loop('self')].sort());
    expect(await readFile(join(local, 'got', ...Array<string>(70).fill('d'), 'bottom'), 'utf8')).toBe('deep');
    expect(await readFile(join(local, 'got', 'B', 'y', 'fa'), 'utf8')).toBe('a');
  });

  // OpenSSH's scp -t and sftp open the target, following a link: renaming
  // over it would drop the link and put the bytes beside it, maybe on another disk.
  it('writes through a remote symbolic link, as scp does: the link stays, the file it leads to gets the bytes', async () => {
    await mkdir(join(dir, 'big'));
    await mkdir(join(dir, 't'));
    await writeFile(join(dir, 'big', 'x'), 'old');
    for (const p of ['big', 'big/x', 't']) await chown(join(dir, p), account().uid, account().gid);
    await symlink('big/x', join(dir, 'top'));
    await symlink('../big/new', join(dir, 't', 'f')); // dangling: made where it leads, as open(O_CREAT) would
    await writeFile(join(local, 'f'), 'new');
    await mkdir(join(local, 't'));
    await writeFile(join(local, 't', 'f'), 'tree');
    expect(await cp(account(), [join(local, 'f'), remote(sshd, account(), `${rdir}/top`)])).toMatchObject({ status: 0, stderr: '' });
    expect(await cp(account(), ['-r', join(local, 't'), remote(sshd, account(), rdir)])).toMatchObject({ status: 0, stderr: '' });
    expect(await readlink(join(dir, 'top'))).toBe('big/x');
    expect(await readlink(join(dir, 't', 'f'))).toBe('../big/new');
    expect(await readFile(join(dir, 'big', 'x'), 'utf8')).toBe('new');
    expect(await readFile(join(dir, 'big', 'new'), 'utf8')).toBe('tree');
    expect((await readdir(join(dir, 'big'))).sort()).toEqual(['new', 'x']);
    expect((await readdir(dir)).sort()).toEqual(['big', 't', 'top']);
  });

  it('a file to TARGET/ that is not a directory is refused before it is sent; a tree makes TARGET', async () => {
    await writeFile(join(local, 'f'), randomBytes(1 << 20));
    await writeFile(join(dir, 'rfile'), 'old');
    for (const [name, why] of [['nodir', 'No such file or directory'], ['rfile', 'Not a directory']]) {
      const r = await cp(account(), ['-v', join(local, 'f'), remote(sshd, account(), `${rdir}/${name}/`)]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`\nscpipe: ${rdir}/${name}/: ${why}\n$`));
      expect(r.stderr).not.toMatch(/scpipe-[A-Za-z0-9]{6}/); // no temporary file was made
    }
    expect(await readdir(dir)).toEqual(['rfile']);
    expect(await readFile(join(dir, 'rfile'), 'utf8')).toBe('old');
    await mkdir(join(local, 'tree'));
    await writeFile(join(local, 'tree', 'g'), 'g');
    const tree = await cp(account(), ['-r', join(local, 'tree'), remote(sshd, account(), `${rdir}/made/`)]);
    expect(tree).toMatchObject({ status: 0, stderr: '' });
    expect(await readFile(join(dir, 'made', 'g'), 'utf8')).toBe('g');
  });

  it('a tree to FILE/ where FILE is a file is refused as not a directory, as scp says; the file stays', async () => {
    await mkdir(join(local, 'tree'));
    await writeFile(join(local, 'tree', 'g'), 'g');
    await writeFile(join(dir, 'rfile'), 'old');
    const r = await cp(account(), ['-r', join(local, 'tree'), remote(sshd, account(), `${rdir}/rfile/`)]);
    expect(r).toMatchObject({ status: 1, stderr: `scpipe: ${rdir}/rfile/: Not a directory\n` });
    expect(await readdir(dir)).toEqual(['rfile']);
    expect(await readFile(join(dir, 'rfile'), 'utf8')).toBe('old');
  });

  it('replaces an existing remote file only when whole; a failed file leaves the old one', async () => {
    await writeFile(join(dir, 'keep.txt'), 'old');
    await chown(join(dir, 'keep.txt'), account().uid, account().gid);
    await chmod(join(dir, 'keep.txt'), 0o600);
    await writeFile(join(local, 'keep.txt'), 'new contents');
    const r = await cp(account(), [join(local, 'keep.txt'), remote(sshd, account(), `${rdir}/keep.txt`)]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(await readFile(join(dir, 'keep.txt'), 'utf8')).toBe('new contents');
    expect((await stat(join(dir, 'keep.txt'))).mode & 0o777).toBe(0o600); // kept, as scp does
    // A directory the account may not write: the old file stays, no temporary file.
    await mkdir(join(dir, 'ro'));
    await writeFile(join(dir, 'ro', 'f'), 'old');
    await chmod(join(dir, 'ro'), 0o555);
    const denied = await cp(account(), [join(local, 'keep.txt'), remote(sshd, account(), `${rdir}/ro/f`)]);
    expect(denied.status).toBe(1);
    expect(denied.stderr).toMatch(/Permission denied/);
    expect(await readdir(join(dir, 'ro'))).toEqual(['f']);
    expect(await readFile(join(dir, 'ro', 'f'), 'utf8')).toBe('old');
  });

  // A read-only file (0444, the account's own; 0644, another's) is what
  // `scp -t` and OpenSSH's sftp refuse to open. User sees "Permission
  // denied: the remote file is read-only …", exit 1; the other file is
  // copied. Left: the old files as they were, no temporary file.
  it('does not replace a file the account may not write, as scp would not', async () => {
    await writeFile(join(dir, 'mine'), 'old');
    await chown(join(dir, 'mine'), account().uid, account().gid);
    await chmod(join(dir, 'mine'), 0o444);
    await writeFile(join(dir, 'roots'), 'old'); // root's, 0644
    await mkdir(join(local, 'up'));
    for (const name of ['mine', 'roots', 'fresh']) await writeFile(join(local, 'up', name), 'new');
    const r = await cp(account(), [join(local, 'up', 'mine'), join(local, 'up', 'roots'), join(local, 'up', 'fresh'), remote(sshd, account(), `${rdir}/`)]);
    expect(r.status).toBe(1);
    expect(r.stderr.split('\n').filter((l) => l !== '').sort()).toEqual(
      ['mine', 'roots'].map((n) => `scpipe: ${rdir}/${n}: Permission denied: the remote file is read-only to this account, and is not replaced (as scp would not)`),
    );
    expect((await readdir(dir)).sort()).toEqual(['fresh', 'mine', 'roots']);
    expect(await readFile(join(dir, 'mine'), 'utf8')).toBe('old');
    expect(await readFile(join(dir, 'roots'), 'utf8')).toBe('old');
    expect(await readFile(join(dir, 'fresh'), 'utf8')).toBe('new');
  });

  it('a download follows a remote symlink (as scp does) and refuses to write through a local one', async () => {
    await mkdir(join(dir, 'tree'));
    await writeFile(join(dir, 'target.txt'), 'linked');
    await symlink('../target.txt', join(dir, 'tree', 'link'));
    await writeFile(join(dir, 'tree', 'plain'), 'plain');
    const outside = join(local, 'outside');
    await writeFile(outside, 'untouched');
    await mkdir(join(local, 'tree'));
    await symlink(outside, join(local, 'tree', 'plain'));
    const r = await cp(account(), ['-r', remote(sshd, account(), `${rdir}/tree`), local]);
    // The local link is refused (reported, exit 1) as over SCP; the rest arrives.
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/tree\/plain: is a symbolic link \(not followed\)\n$/);
    expect(await readFile(join(local, 'tree', 'link'), 'utf8')).toBe('linked');
    expect((await lstat(join(local, 'tree', 'link'))).isFile()).toBe(true);
    expect(await readFile(outside, 'utf8')).toBe('untouched');
    expect(await readlink(join(local, 'tree', 'plain'))).toBe(outside);
    expect((await readdir(join(local, 'tree'))).sort()).toEqual(['link', 'plain']);
  });

  it('an unreadable remote file is reported; the rest of the tree arrives; no temporary file left', async () => {
    await mkdir(join(dir, 'tree'));
    await writeFile(join(dir, 'tree', 'secret'), 'no');
    await chmod(join(dir, 'tree', 'secret'), 0o600);
    await writeFile(join(dir, 'tree', 'ok'), 'yes');
    const r = await cp(account(), ['-r', remote(sshd, account(), `${rdir}/tree`), join(local, 'got')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/secret: open: Permission denied/);
    expect(await readdir(join(local, 'got'))).toEqual(['ok']);
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s mid-file, both ways: exit %i, no temporary file left on either side, the old file intact', async (signal, status) => {
    await writeFile(join(dir, 'keep.bin'), 'old');
    await chown(join(dir, 'keep.bin'), account().uid, account().gid); // the account's, as it would be
    await writeFile(join(local, 'keep.bin'), randomBytes(64 * 1024 * 1024));
    // -l 80000: 10 MB/s, so the copy is still running when the signal comes.
    const up = startCli(['cp', ...sshFlags(sshd, account()), '-q', '-l', '80000', join(local, 'keep.bin'), remote(sshd, account(), `${rdir}/keep.bin`)]);
    await waitFor(async () => (await readdir(dir)).length > 1 && (await stat(join(dir, (await readdir(dir)).find((n) => n !== 'keep.bin')!))).size > 0, 'data in the remote temporary file', 30_000);
    up.child.kill(signal);
    expect((await up.done).status).toBe(status);
    expect(await readdir(dir)).toEqual(['keep.bin']);
    expect(await readFile(join(dir, 'keep.bin'), 'utf8')).toBe('old');

    await writeFile(join(dir, 'big.bin'), randomBytes(64 * 1024 * 1024));
    await chmod(join(dir, 'big.bin'), 0o644);
    const back = join(local, 'back');
    await mkdir(back);
    await writeFile(join(back, 'big.bin'), 'old');
    const down = startCli(['cp', ...sshFlags(sshd, account()), '-q', '-l', '80000', remote(sshd, account(), `${rdir}/big.bin`), back]);
    await waitFor(async () => (await readdir(back)).length > 1, 'the local temporary file', 30_000);
    down.child.kill(signal);
    expect((await down.done).status).toBe(status);
    expect(await readdir(back)).toEqual(['big.bin']);
    expect(await readFile(join(back, 'big.bin'), 'utf8')).toBe('old');
  });

  it('a directory without -r is refused, exit 1', async () => {
    await mkdir(join(dir, 'd'));
    const r = await cp(account(), [remote(sshd, account(), `${rdir}/d`), local]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/d: is a directory \(use -r\)/);
    expect(await readdir(local)).toEqual([]);
  });
});

describe('cp over SFTP with --transport openssh (ssh -s HOST sftp)', () => {
  it('cp -r -p a tree up and back down through the sftp-only jail', async () => {
    const dir = await userDir(sshd.sftp, 'cp-openssh');
    const rdir = remotePath(sshd.sftp, dir);
    const files = await makeTree(join(local, 'tree'));
    const up = await cp(sshd.sftp, ['-r', '-p', '-v', join(local, 'tree'), remote(sshd, sshd.sftp, `${rdir}/copy`)], ['--transport', 'openssh']);
    expect(up.status).toBe(0);
    expect(up.stderr).toContain('protocol: sftp');
    await expectTree(join(dir, 'copy'), files, true);
    const down = await cp(sshd.sftp, ['-r', '-p', remote(sshd, sshd.sftp, `${rdir}/copy`), join(local, 'back')], ['--transport', 'openssh']);
    expect(down).toMatchObject({ status: 0, stderr: '' });
    await expectTree(join(local, 'back'), files, true);
  });
});

describe('cp over SCP (-O)', () => {
  it('several sources need a directory, both ways', async () => {
    const dir = await userDir(sshd.user, 'scp-cp');
    await expectSeveralNeedDirectory(sshd.user, dir, dir, ['-O']);
  });
});

describe('cp: the protocol choice', () => {
  it('auto falls back to SCP where the subsystem is refused; --protocol sftp fails clearly', async () => {
    await sshd.setRsshAllowed(['scp']);
    const dir = await userDir(sshd.rssh, 'cp-choice');
    await writeFile(join(local, 'f.txt'), 'over scp');
    const r = await cp(sshd.rssh, ['-v', join(local, 'f.txt'), remote(sshd, sshd.rssh, `${dir}/f.txt`)]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/scpipe: protocol: scp \(the server refused the sftp subsystem: .+\)/);
    expect(await readFile(join(dir, 'f.txt'), 'utf8')).toBe('over scp');
    const forced = await cp(sshd.rssh, ['--protocol', 'sftp', join(local, 'f.txt'), remote(sshd, sshd.rssh, `${dir}/g.txt`)]);
    expect(forced.status).toBe(1);
    expect(forced.stderr).toMatch(/refused the sftp subsystem.*try --protocol scp/);
    expect(await readdir(dir)).toEqual(['f.txt']);
  });

  it('-O against the sftp-only jail suggests --protocol sftp', async () => {
    const jailDir = remotePath(sshd.sftp, await userDir(sshd.sftp, 'cp-O'));
    await writeFile(join(local, 'f.txt'), 'x');
    for (const args of [[join(local, 'f.txt'), remote(sshd, sshd.sftp, `${jailDir}/f.txt`)], [remote(sshd, sshd.sftp, `${jailDir}/f.txt`), local]]) {
      const r = await cp(sshd.sftp, ['-O', ...args]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('use --protocol sftp');
    }
  });

  it('--protocol scp still copies trees over SCP where both are allowed', async () => {
    const dir = await userDir(sshd.user, 'cp-scp');
    const files = await makeTree(join(local, 'tree'));
    const r = await cp(sshd.user, ['-r', '-p', '-v', '--protocol', 'scp', join(local, 'tree'), remote(sshd, sshd.user, `${dir}/copy`)]);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('protocol: scp (--protocol scp)');
    await expectTree(join(dir, 'copy'), files, true);
  });
});
