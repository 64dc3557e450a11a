// `ln -s /latest/../x l` keeps its way, as sftp-server keeps the client's
// text: the kernel takes the `..` after latest each time l is used, so l
// leads beside where latest leads (backups/x), and still does after latest
// is pointed elsewhere. serve made the link to x, the place the text names
// by name. Compared with the harness sshd's internal-sftp chroot account,
// where the kernel keeps every `..` at the chroot's `/`: serve's links stay
// in its root the same way, and one that a local user turns outside is never
// followed.
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { runProgram, type ProgramRun } from '../helpers/run-program';
import { emptyRoot, servePerSuite, sftpBatch } from '../helpers/serve';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { outsideDirPerTest, tempDirPerTest } from '../helpers/temp-dir';

const serve = servePerSuite();
const sshd = sshdPerSuite();
const localDir = tempDirPerTest('scpipe-test-linktext-');
const outsideDir = outsideDirPerTest();
afterEach(() => emptyRoot(serve));

// Where a client's `/` is (`root`), the tree's directory (`dir`) and its
// client path (`p`), and a batch of stock `sftp`: serve's root, or a
// directory in the chroot, whose `/` is the chroot's.
interface Side {
  root: string;
  dir: string;
  p: string;
  sftp(batch: string[]): Promise<ProgramRun>;
}

async function serveSide(): Promise<Side> {
  return { root: serve.root, dir: serve.root, p: '', sftp: (batch) => sftpBatch(serve, batch) };
}

async function chrootSide(): Promise<Side> {
  const dir = await userDir(sshd.sftp, 'links');
  const sftp = (batch: string[]): Promise<ProgramRun> => runProgram('sftp', ['-q', ...sshd.sshArgs(sshd.sftp), '-b', '-', sshd.host], `${batch.join('\n')}\n`);
  return { root: sshd.sftp.chroot!, dir, p: remotePath(sshd.sftp, dir), sftp };
}

// dir/backups/day/db, dir/backups/x, dir/x, dir/a/x; dir/latest -> backups/day
async function tree(side: Side): Promise<void> {
  await mkdir(join(side.dir, 'backups', 'day'), { recursive: true });
  await mkdir(join(side.dir, 'a', 'b'), { recursive: true });
  await writeFile(join(side.dir, 'backups', 'day', 'db'), 'nightly');
  await writeFile(join(side.dir, 'backups', 'x'), 'beside latest');
  await writeFile(join(side.dir, 'x'), 'by name');
  await writeFile(join(side.dir, 'a', 'x'), 'beside the new latest');
  await symlink('backups/day', join(side.dir, 'latest'));
  // The chroot's account writes as itself.
  if (side.dir !== serve.root) expect(await runProgram('chown', ['-R', `${sshd.sftp.uid}:${sshd.sftp.gid}`, side.dir])).toMatchObject({ status: 0 });
}

const sides: Array<[string, () => Promise<Side>]> = [
  ['serve', serveSide],
  ['the internal-sftp chroot', chrootSide],
];

it.each(sides)('over %s, a link to /latest/../x leads beside where latest leads, each time it is used', async (_name, makeSide) => {
  const [side, local] = [await makeSide(), localDir()];
  await tree(side);
  await writeFile(join(local, 'f'), 'put through w');
  const { p } = side;
  const r = await side.sftp([`ln -s ${p}/latest/../x ${p}/l`, `ln -s ${p}/latest/../new ${p}/w`, `get ${p}/l ${join(local, 'l')}`, `put ${join(local, 'f')} ${p}/w`]);
  expect(r).toMatchObject({ status: 0 });
  expect(await readFile(join(local, 'l'), 'utf8')).toBe('beside latest');
  expect(await readFile(join(side.dir, 'backups', 'new'), 'utf8')).toBe('put through w');
  // latest is pointed at a/b: l now leads to a/x.
  await rm(join(side.dir, 'latest'));
  await symlink('a/b', join(side.dir, 'latest'));
  expect(await side.sftp([`get ${p}/l ${join(local, 'l2')}`])).toMatchObject({ status: 0 });
  expect(await readFile(join(local, 'l2'), 'utf8')).toBe('beside the new latest');
});

it.each(sides)('over %s, a link whose .. climbs past / stays at /, and one turned outside is never followed', async (name, makeSide) => {
  const [side, local, outside] = [await makeSide(), localDir(), outsideDir()];
  await tree(side);
  const etc = join(side.root, 'etc');
  await mkdir(etc);
  try {
    await writeFile(join(etc, 'passwd'), `the passwd of ${name}`);
    const { p } = side;
    const up = '/..'.repeat(8);
    // Made while latest leads to backups/day: a dangling link to backups/<outside's name>/secret.
    const r = await side.sftp([`ln -s ${p}/latest${up}/etc ${p}/top`, `get ${p}/top/passwd ${join(local, 'passwd')}`, `ln -s ${p}/latest/../${basename(outside)}/secret ${p}/later`]);
    expect(r).toMatchObject({ status: 0 });
    expect(await readFile(join(local, 'passwd'), 'utf8')).toBe(`the passwd of ${name}`);
    // A local user points latest at outside: later's `..` would lead to outside's parent, and so to secret.
    await rm(join(side.dir, 'latest'));
    await symlink(outside, join(side.dir, 'latest'));
    const got = await side.sftp([`get ${p}/later ${join(local, 'secret')}`]);
    expect(got.status).toBe(1);
    await expect(readFile(join(local, 'secret'), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  } finally {
    await rm(etc, { recursive: true, force: true });
  }
});

it('serve refuses a link through a name before .. that leads outside, and one whose relative .. climbs past the root', async () => {
  const outside = outsideDir();
  await symlink(outside, join(serve.root, 'out'));
  for (const target of ['/out/../x', 'out/../x', '..', 'a/../../x']) {
    const r = await sftpBatch(serve, [`ln -s ${target} l`]);
    expect({ target, status: r.status, stderr: r.stderr }).toEqual({ target, status: 1, stderr: expect.stringMatching(/Permission denied/) });
  }
});
