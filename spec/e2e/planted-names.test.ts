// Downloads into a shared sticky directory (/tmp) where another local user
// put something at the name first: a symlink to one of our files, a FIFO
// they read, a file whose mode would be kept. The kernel refuses those to
// scp and cp (fs.protected_symlinks, _fifos, _regular); get --output and cp
// must refuse them too, before any byte is written, and leave them alone.
import { execFileSync } from 'node:child_process';
import { chmod, lchown, chown, lstat, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags } from '../helpers/cli';

const sshd = sshdPerSuite();
const OTHER = 65534; // nobody: any uid that is not ours nor the directory's
let rfile: string;
let rdir: string;
let home: string; // a directory of ours, outside the shared one
let shared: string; // mode 1777, like /tmp
let victim: string;

beforeAll(async () => {
  rdir = await userDir(sshd.rssh, 'planted');
  rfile = join(rdir, 'backup.img');
  await writeFile(rfile, 'BACKUP');
  await chmod(rfile, 0o644);
});
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'scpipe-test-home-'));
  shared = await mkdtemp(join(tmpdir(), 'scpipe-test-shared-'));
  await chmod(shared, 0o1777);
  victim = join(home, '.bashrc');
  await writeFile(victim, 'alias ls=ls\n');
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
  await rm(shared, { recursive: true, force: true });
});

const at = (): string => remote(sshd, sshd.rssh, rfile);
const get = (out: string) => runCli(['get', ...sshFlags(sshd, sshd.rssh), '--output', out, at()], { timeoutMs: 20_000 });
const cp = (out: string) => runCli(['cp', ...sshFlags(sshd, sshd.rssh), at(), out], { timeoutMs: 20_000 });

async function plantedLink(to: string, owner = OTHER): Promise<string> {
  const link = join(shared, 'out.img');
  await symlink(to, link);
  await lchown(link, owner, owner);
  return link;
}

describe('a name another user put in a sticky directory', () => {
  it.each([['get --output', get], ['cp', cp]])('%s does not follow their symlink to one of our files', async (_what, run) => {
    const link = await plantedLink(victim);
    const r = await run(link);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${link}: not followed: a symbolic link of another user (uid ${OTHER}) in ${shared}, a sticky directory others can write to`);
    expect(await readFile(victim, 'utf8')).toBe('alias ls=ls\n');
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
  });

  it('cp does not copy into the directory their symlink leads to', async () => {
    const link = await plantedLink(home);
    const r = await cp(link);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('not followed: a symbolic link of another user');
    await expect(stat(join(home, 'backup.img'))).rejects.toThrow('ENOENT');
  });

  it('still follows a symlink of ours, or of the directory owner, there', async () => {
    const ours = await plantedLink(victim, process.geteuid!());
    expect((await get(ours)).status).toBe(0);
    expect(await readFile(victim, 'utf8')).toBe('BACKUP');
    await rm(ours);
    await chown(shared, OTHER, OTHER); // a directory of theirs: their links in it are theirs to make
    await writeFile(victim, 'x');
    expect((await get(await plantedLink(victim))).status).toBe(0);
    expect(await readFile(victim, 'utf8')).toBe('BACKUP');
  });

  // Their directory: they can swap what is in it for links to ours between
  // our checks and our writes (scp and GNU cp copy into it all the same).
  it('cp -r does not copy into a directory of theirs', async () => {
    const tree = join(rdir, 'tree');
    await mkdir(tree, { recursive: true });
    await writeFile(join(tree, 'authorized_keys'), 'key');
    await chmod(tree, 0o755);
    await chmod(join(tree, 'authorized_keys'), 0o644);
    const theirs = join(shared, 'tree');
    await mkdir(theirs);
    await chmod(theirs, 0o777);
    await chown(theirs, OTHER, OTHER);
    const r = await runCli(['cp', '-r', ...sshFlags(sshd, sshd.rssh), remote(sshd, sshd.rssh, tree), `${shared}/`], { timeoutMs: 20_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${theirs}: not written into: a directory of another user (uid ${OTHER}) in ${shared}, a sticky directory anyone can write to: copy into a directory of your own (or run as uid ${OTHER})`);
    expect(await readdir(theirs)).toEqual([]);
    const named = await cp(theirs); // named as the target: the same
    expect(named.status).toBe(1);
    expect(named.stderr).toContain(`${theirs}: not written into: a directory of another user`);
    expect(await readdir(theirs)).toEqual([]);
  });

  // A team's sticky group directory (3775, not world-writable): only the team
  // could have made a directory there, and copying into a colleague's is the
  // point of it; the kernel has no rule for directories, GNU cp copies in.
  it('cp -r copies into a colleague\'s directory in a sticky group directory (3775)', async () => {
    const tree = join(rdir, 'team');
    await mkdir(tree, { recursive: true });
    await writeFile(join(tree, 'db.dump'), 'dump');
    await chmod(tree, 0o755);
    await chmod(join(tree, 'db.dump'), 0o644);
    await chmod(shared, 0o3775);
    const theirs = join(shared, 'team');
    await mkdir(theirs);
    await chmod(theirs, 0o2777);
    await chown(theirs, OTHER, OTHER);
    const r = await runCli(['cp', '-r', ...sshFlags(sshd, sshd.rssh), remote(sshd, sshd.rssh, tree), `${shared}/`], { timeoutMs: 20_000 });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(await readFile(join(theirs, 'db.dump'), 'utf8')).toBe('dump');
  });

  it('does not write into their FIFO', async () => {
    const fifo = join(shared, 'out.img');
    execFileSync('mkfifo', ['-m', '666', fifo]);
    await chown(fifo, OTHER, OTHER);
    const r = await get(fifo); // before: blocked until they read it, then gave them the file
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${fifo}: not written: a FIFO of another user (uid ${OTHER})`);
  });

  it('does not replace their file, nor take its mode', async () => {
    const file = join(shared, 'out.img');
    await writeFile(file, 'theirs');
    await chmod(file, 0o666);
    await chown(file, OTHER, OTHER);
    const r = await get(file); // before, as root: the backup stored under their name with their 0666
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${file}: not written: a file of another user (uid ${OTHER})`);
    expect(await readFile(file, 'utf8')).toBe('theirs');
  });
});
