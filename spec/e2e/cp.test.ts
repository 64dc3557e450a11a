// cp end to end through the rssh-restricted account, against the real
// OpenSSH scp on the other side (docs/protocol.md §4.2, §4.3): trees with
// -r -p both ways, several sources, stdin, and a parts set named as a file.
import { createHash, randomBytes } from 'node:crypto';
import { chmod, chown, lstat, mkdir, readFile, readdir, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { rsshSidesPerTest } from '../helpers/rssh-sides';
import { remote, runCli, sshFlags } from '../helpers/cli';

const sshd = sshdPerSuite();
const sides = rsshSidesPerTest(sshd, 'cp');
const { flags, at, remoteFile } = sides;

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function makeTree(root: string, owner?: { uid: number; gid: number }): Promise<void> {
  await mkdir(join(root, 'photos', 'empty dir'), { recursive: true });
  await mkdir(join(root, 'photos', 'sub', 'deeper'), { recursive: true });
  await writeFile(join(root, 'photos', 'a b.jpg'), randomBytes(100000));
  await writeFile(join(root, 'photos', 'empty'), '');
  await writeFile(join(root, 'photos', 'sub', 'x.txt'), 'x');
  await writeFile(join(root, 'photos', 'sub', 'deeper', "q'uote"), 'q');
  await chmod(join(root, 'photos', 'sub', 'x.txt'), 0o600);
  await chmod(join(root, 'photos', 'sub'), 0o750);
  for (const p of ['a b.jpg', 'empty', 'sub/x.txt', "sub/deeper/q'uote", 'sub/deeper', 'sub', 'empty dir', '']) {
    if (owner) await chown(join(root, 'photos', p), owner.uid, owner.gid);
    await utimes(join(root, 'photos', p), 1600000000, 1500000000);
  }
}

// name → [type, size, mode, mtime(s), sha]
async function describeTree(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(rel: string): Promise<void> {
    for (const name of (await readdir(join(root, rel))).sort()) {
      const p = join(root, rel, name);
      const st = await lstat(p);
      const key = join(rel, name);
      if (st.isDirectory()) {
        out[key] = `dir ${(st.mode & 0o7777).toString(8)} ${Math.floor(st.mtimeMs / 1000)}`;
        await walk(key);
      } else {
        out[key] = `file ${st.size} ${(st.mode & 0o7777).toString(8)} ${Math.floor(st.mtimeMs / 1000)} ${sha(await readFile(p))}`;
      }
    }
  }
  await walk('');
  return out;
}

describe('scpipe cp -r -p', () => {
  it('uploads a tree with modes and times to a new remote directory', async () => {
    await makeTree(sides.local);
    const r = await runCli(['cp', '-r', '-p', ...flags(), join(sides.local, 'photos'), at(`${sides.rdir}/photos-2026`)]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(await describeTree(join(sides.rdir, 'photos-2026'))).toEqual(await describeTree(join(sides.local, 'photos')));
    const log = await sshd.rsshLog();
    expect(log[log.length - 1]!.command).toBe(`scp -r -p -t '${sides.rdir}/photos-2026'`);
  });

  it('downloads a tree with modes and times into an existing directory', async () => {
    await makeTree(sides.rdir, sshd.rssh);
    const restore = join(sides.local, 'restore');
    await mkdir(restore);
    const r = await runCli(['cp', '-r', '-p', ...flags(), at(`${sides.rdir}/photos`), `${restore}/`]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(await describeTree(join(restore, 'photos'))).toEqual(await describeTree(join(sides.rdir, 'photos')));
  });

  it('copies several files into a remote directory (-d) and reports a missing one but copies the rest', async () => {
    await writeFile(join(sides.local, 'one'), '1');
    await writeFile(join(sides.local, 'two'), '2');
    await symlink(join(sides.local, 'nowhere'), join(sides.local, 'dangling'));
    const r = await runCli(['cp', ...flags(), join(sides.local, 'one'), join(sides.local, 'dangling'), join(sides.local, 'two'), at(sides.rdir)]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`scpipe: ${join(sides.local, 'dangling')}: No such file or directory\n`);
    expect((await readdir(sides.rdir)).sort()).toEqual(['one', 'two']);
    const log = await sshd.rsshLog();
    expect(log[log.length - 1]!.command).toBe(`scp -d -t '${sides.rdir}'`);
  });

  it('several sources to a remote path that is not a directory: exit 1', async () => {
    await writeFile(join(sides.local, 'one'), '1');
    await writeFile(join(sides.local, 'two'), '2');
    const r = await runCli(['cp', ...flags(), join(sides.local, 'one'), join(sides.local, 'two'), at(`${sides.rdir}/nodir`)]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/No such file or directory/);
  });

  it('without -p an existing local file keeps its mode', async () => {
    await remoteFile('m.txt', 'new', 0o644);
    await writeFile(join(sides.local, 'm.txt'), 'old');
    await chmod(join(sides.local, 'm.txt'), 0o600);
    const r = await runCli(['cp', ...flags(), at(`${sides.rdir}/m.txt`), sides.local]);
    expect(r.status).toBe(0);
    expect(await readFile(join(sides.local, 'm.txt'), 'utf8')).toBe('new');
    expect((await stat(join(sides.local, 'm.txt'))).mode & 0o777).toBe(0o600);
  });

  it('a directory without -r is refused by the remote and nothing is written', async () => {
    await mkdir(join(sides.rdir, 'd'));
    const r = await runCli(['cp', ...flags(), at(`${sides.rdir}/d`), sides.local]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`scpipe: remote: scp: ${sides.rdir}/d: not a regular file\n`);
    expect(await readdir(sides.local)).toEqual([]);
  });

  it('cp - host:path streams stdin like put', async () => {
    const r = await runCli(['cp', ...flags(), '-', at(`${sides.rdir}/from-stdin`)], { stdin: 'piped' });
    expect(r.status).toBe(0);
    expect(await readFile(join(sides.rdir, 'from-stdin'), 'utf8')).toBe('piped');
  });

  it('refuses remote-to-remote and local-to-local copies (exit 2)', async () => {
    expect((await runCli(['cp', 'a:x', 'b:y'])).status).toBe(2);
    expect((await runCli(['cp', '/tmp/x', '/tmp/y'])).status).toBe(2);
  });

  // All sources go over one connection: one on another port (an scp:// URI's) was read from the first's.
  it('sources on one host but different ports are refused (exit 2), not all read from the first port', async () => {
    await remoteFile('a', 'a');
    await remoteFile('b', 'b');
    const uri = (port: number, name: string): string => `scp://${sshd.rssh.name}@127.0.0.1:${port}/${sides.rdir}/${name}`;
    const r = await runCli(['cp', ...flags(), uri(sshd.port, 'a'), uri(1, 'b'), sides.local]);
    expect(r).toMatchObject({ status: 2, stderr: 'scpipe: copy from one host (one user, one port) at a time\n' });
    expect(await readdir(sides.local)).toEqual([]);
  });
});

// A parts set's name is no file: cp fails on it as scp would, and then says
// what it is and what restores it, as a command that runs as written (get's
// -o is ssh's option, not --output). Left locally: nothing.
describe('cp of a parts set by its name', () => {
  it.each([
    ['SCP (-O)', () => sshd.rssh, ['-O']],
    ['SFTP (the internal-sftp account)', () => sshd.sftp, []],
  ])('over %s: exit 1, the remote\'s "no such file", then that it is a set and that get restores it', async (_name, account, extra) => {
    const dir = await userDir(account(), 'cp-set');
    await writeFile(join(dir, 'db.zst.000000'), 'abc');
    await writeFile(join(dir, 'db.zst.sha256'), `# scpipe parts v1\n${sha(Buffer.from('abc'))}  db.zst.000000\n`);
    const path = `${remotePath(account(), dir)}/db.zst`;
    const r = await runCli(['cp', ...sshFlags(sshd, account()), ...extra, remote(sshd, account(), path), sides.local]);
    expect(r.status).toBe(1);
    const lines = r.stderr.split('\n');
    expect(lines[0]).toMatch(/db\.zst: (stat: )?No such file/i);
    expect(lines.slice(1)).toEqual([
      `scpipe: ${path} is a parts set (its manifest ${path}.sha256 is there): cp copies files; restore the set with scpipe get --output FILE HOST:${path}`,
      '',
    ]);
    expect(await readdir(sides.local)).toEqual([]);
  });

  // scp has the remote expand `host:dir/*.gz` (its shell, or sftp's glob);
  // scpipe asks for the name literally, and says so when it is missing.
  it.each([
    ['SCP (-O)', () => sshd.rssh, ['-O']],
    ['SFTP (the internal-sftp account)', () => sshd.sftp, []],
  ])('over %s: a missing source with a wildcard is said to be taken literally, with what expands it', async (_name, account, extra) => {
    const dir = await userDir(account(), 'cp-glob');
    await writeFile(join(dir, 'a.gz'), 'a');
    const path = `${remotePath(account(), dir)}/*.gz`;
    const r = await runCli(['cp', ...sshFlags(sshd, account()), ...extra, remote(sshd, account(), path), sides.local]);
    expect(r.status).toBe(1);
    const lines = r.stderr.split('\n');
    expect(lines[0]).toMatch(/\*\.gz: (stat: )?No such file/i);
    expect(lines.slice(1)).toEqual([
      `scpipe: ${path}: not expanded: scpipe takes remote paths literally; name the files, or let the remote shell expand them with -O --quote none (an sftp-only host has no shell)`,
      '',
    ]);
    expect(await readdir(sides.local)).toEqual([]);
  });

  it('a missing name that is no set either: only the remote\'s message', async () => {
    const r = await runCli(['cp', ...flags(), '-O', at(`${sides.rdir}/nope`), sides.local]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`scpipe: remote: scp: ${sides.rdir}/nope: No such file or directory\n`);
  });
});

// A local directory given without -r was "not a regular file", scp's words,
// which leave the -r it needs unsaid (a download over SFTP said "use -r").
describe('a local directory without -r', () => {
  it.each([['SCP', ['-O']], ['SFTP', ['-s']]])('over %s: said to need -r, the file beside it copied, exit 1', async (_protocol, extra) => {
    await sshd.setRsshAllowed(['scp', 'sftp']);
    try {
      await mkdir(join(sides.local, 'photos'));
      await writeFile(join(sides.local, 'one'), '1');
      const r = await runCli(['cp', ...flags(), ...extra, join(sides.local, 'photos'), join(sides.local, 'one'), at(sides.rdir)]);
      expect(r).toMatchObject({ status: 1, stderr: `scpipe: ${join(sides.local, 'photos')}: is a directory (use -r)\n` });
      expect(await readdir(sides.rdir)).toEqual(['one']);
    } finally {
      await sshd.setRsshAllowed(['scp']);
    }
  });
});
