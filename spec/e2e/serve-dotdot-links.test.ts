// A `..` after a symbolic link is the parent of where the link leads, as the
// kernel and OpenSSH's sftp-server take it: with `latest -> backups/2026-12-07`,
// `latest/../2026-12-07/db` is backups/2026-12-07/db, over SFTP, scp and
// scp -O alike. A `..` never leads out: a link to `/`, to `..`, to a place
// outside, or a loop is refused before its `..` is taken, and `..` at the
// root stays there.
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runProgram, type ProgramRun } from '../helpers/run-program';
import { emptyRoot, servePerSuite, sftpBatch, type TestServe } from '../helpers/serve';
import { outsideDirPerTest, tempDirPerTest } from '../helpers/temp-dir';

const serve = servePerSuite();
const localDir = tempDirPerTest('scpipe-test-dotdot-');
const outsideDir = outsideDirPerTest();
afterEach(() => emptyRoot(serve));

const scp = (s: TestServe, ...args: string[]): Promise<ProgramRun> => runProgram('scp', ['-q', ...s.sshArgs(), ...args]);
const entries = async (dir: string): Promise<string[]> => (await readdir(dir)).sort();

beforeEach(async () => {
  await mkdir(join(serve.root, 'backups', '2026-12-07'), { recursive: true });
  await mkdir(join(serve.root, 'd'));
  await writeFile(join(serve.root, 'backups', '2026-12-07', 'db'), 'nightly');
  await symlink('backups/2026-12-07', join(serve.root, 'latest'));
});

it('get and put through latest/.. reach the directory the link leads into, by sftp, scp and scp -O', async () => {
  const local = localDir();
  await writeFile(join(local, 'f'), 'new');
  const r = await sftpBatch(serve, [`get latest/../2026-12-07/db ${join(local, 'sftp')}`, `put ${join(local, 'f')} latest/../h`, `get ../../latest/../../backups/2026-12-07/db ${join(local, 'clamped')}`, '-cd d/nothere/..']);
  expect(r).toMatchObject({ status: 0, stderr: expect.stringMatching(/\/d\/nothere: No such file or directory/) });
  expect(await scp(serve, '-O', '127.0.0.1:latest/../2026-12-07/db', join(local, 'scp-O'))).toMatchObject({ status: 0 });
  expect(await scp(serve, '127.0.0.1:latest/../2026-12-07/db', join(local, 'scp'))).toMatchObject({ status: 0 });
  expect(await scp(serve, '-O', join(local, 'f'), '127.0.0.1:latest/../s')).toMatchObject({ status: 0 });
  expect(await scp(serve, join(local, 'f'), '127.0.0.1:latest/../s2')).toMatchObject({ status: 0 });
  // A missing name before `..` is the kernel's "No such file", not its parent.
  expect(await scp(serve, '-O', '127.0.0.1:d/nothere/../x', join(local, 'x'))).toMatchObject({ status: 1, stderr: 'scp: /d/nothere: No such file or directory\n' });
  for (const name of ['sftp', 'clamped', 'scp-O', 'scp']) expect(await readFile(join(local, name), 'utf8')).toBe('nightly');
  expect(await entries(join(serve.root, 'backups'))).toEqual(['2026-12-07', 'h', 's', 's2']);
  expect(await entries(serve.root)).toEqual(['backups', 'd', 'latest']);
});

it('a link to /, to .., outside or to itself is refused before its .. is taken: nothing read or written outside', async () => {
  const [local, outside] = [localDir(), outsideDir()];
  await writeFile(join(local, 'f'), 'planted');
  await symlink('/', join(serve.root, 'slash'));
  await symlink('..', join(serve.root, 'up'));
  await symlink(outside, join(serve.root, 'out'));
  await symlink('loop', join(serve.root, 'loop'));
  const rootName = serve.root.split('/').pop()!;
  const tries = [`slash/..${outside}/secret`, `up/../${rootName}/latest/db`, 'out/../latest/db', 'loop/../latest/db', `slash/../..${outside}/secret`];
  for (const path of tries) {
    const r = await sftpBatch(serve, [`-get ${path} ${join(local, 'got')}`, `-put ${join(local, 'f')} ${path.replace(/[^/]*$/, 'new')}`, `-ls ${path.replace(/[^/]*$/, '')}`]);
    expect({ path, stderr: r.stderr }).toEqual({ path, stderr: expect.stringMatching(/not found[^]*(Permission denied|No such file)[^]*not found/) });
    expect({ path, scp: (await scp(serve, '-O', join(local, 'f'), `127.0.0.1:${path.replace(/[^/]*$/, 'new')}`)).status }).toEqual({ path, scp: 1 });
    expect({ path, scp: (await scp(serve, `127.0.0.1:${path}`, join(local, 'got'))).status }).toEqual({ path, scp: 1 });
  }
  expect(await scp(serve, '-O', join(local, 'f'), '127.0.0.1:up/../new')).toMatchObject({ stderr: 'scp: /up: Permission denied (symbolic link leads outside the root)\n' });
  // Left: nothing fetched, no new name in the root (outsideDirPerTest checks that outside is as it was).
  expect(await entries(local)).toEqual(['f']);
  expect(await entries(serve.root)).toEqual(['backups', 'd', 'latest', 'loop', 'out', 'slash', 'up']);
  expect(await entries(join(serve.root, 'backups'))).toEqual(['2026-12-07']);
});

// `latest/..` and `d/.` name a directory by the way to it: the kernel, and so sftp-server,
// refuses to remove, rename or make one so. Taken through the link, rmdir latest/.. would try backups.
it('rmdir, rename, rm, mkdir and ln -s of a name ending in . or ..: each refused, nothing changed', async () => {
  await mkdir(join(serve.root, 'd', 'e'));
  const r = await sftpBatch(serve, ['-rmdir latest/..', '-rename latest/.. renamed', '-rename d/e/.. renamed', '-rmdir d/e/.', '-rm d/.', '-mkdir d/..', '-rename d/e d/..', '-ln -s d d/e/..', 'ls -1 d/e/..']);
  expect(r.status).toBe(0); // the batch's last line, lstat-like listing through `..`, works
  // sftp shows the status (Failure, as sftp-server's EINVAL, ENOTEMPTY, EBUSY or EEXIST), one line per refusal.
  expect(r.stderr.match(/^remote (rmdir|rename|delete|mkdir|symlink) .*: Failure\r?$/gm)).toHaveLength(8);
  expect(r.stdout).toMatch(/d\/e\/\.\.\/e/);
  expect(await entries(serve.root)).toEqual(['backups', 'd', 'latest']);
  expect(await entries(join(serve.root, 'backups'))).toEqual(['2026-12-07']);
  expect(await entries(join(serve.root, 'd'))).toEqual(['e']);
  expect(await entries(join(serve.root, 'd', 'e'))).toEqual([]);
});
