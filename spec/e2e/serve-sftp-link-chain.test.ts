// A symbolic link to a link that leads outside the root (`outf` ->
// ../outside/secret, put there by a local user) is a way out as much as a
// link straight outside. `sftp`'s `ln -s outf l` made one, unfollowed only
// because each later use checked it; now it is refused when asked for, as a
// hard link to such a link is. A link made while its target was inside and
// turned outside afterwards is still never followed: no read, write or
// listing reaches outside through it, over SFTP or `scp -O`.
import { readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runProgram, type ProgramRun } from '../helpers/run-program';
import { emptyRoot, servePerSuite, sftpBatch, type TestServe } from '../helpers/serve';
import { outsideDirPerTest, tempDirPerTest } from '../helpers/temp-dir';

const serve = servePerSuite();
const localDir = tempDirPerTest('scpipe-test-linkchain-');
const outsideDir = outsideDirPerTest();
afterEach(() => emptyRoot(serve));

const scp = (s: TestServe, ...args: string[]): Promise<ProgramRun> => runProgram('scp', ['-q', ...s.sshArgs(), ...args]);
const entries = async (dir: string): Promise<string[]> => (await readdir(dir)).sort();

it('ln -s to a link (or through a directory link) that leads outside is refused: Permission denied, no link made', async () => {
  const outside = outsideDir();
  await symlink(join(outside, 'secret'), join(serve.root, 'outf'));
  await symlink(outside, join(serve.root, 'out'));
  for (const target of ['outf', '/outf', 'out', 'out/secret', '/out/../outf']) {
    const r = await sftpBatch(serve, [`ln -s ${target} chain`]);
    expect({ target, status: r.status, stderr: r.stderr }).toEqual({ target, status: 1, stderr: expect.stringMatching(/Permission denied/) });
  }
  expect(await entries(serve.root)).toEqual(['out', 'outf']);
  // A link to a name not there yet is made, as by sftp-server.
  expect(await sftpBatch(serve, ['ln -s later dangling'])).toMatchObject({ status: 0 });
});

it('a link whose target was swapped for a link outside afterwards is never followed, by sftp or scp -O', async () => {
  const [local, outside] = [localDir(), outsideDir()];
  await writeFile(join(serve.root, 'inner'), 'inside');
  await writeFile(join(local, 'f'), 'planted');
  expect(await sftpBatch(serve, ['ln -s inner chain'])).toMatchObject({ status: 0 });
  // A local user turns the target into a link outside.
  await rm(join(serve.root, 'inner'));
  await symlink(join(outside, 'secret'), join(serve.root, 'inner'));
  const r = await sftpBatch(serve, [`-get chain ${join(local, 'got')}`, `-put ${join(local, 'f')} chain`, `-reput ${join(local, 'f')} chain`, '-chmod 777 chain', '-ln -s chain chain2', '-ln chain hard']);
  expect(r.stderr.match(/Permission denied/g)?.length).toBeGreaterThanOrEqual(5);
  expect(await scp(serve, '-O', '127.0.0.1:chain', join(local, 'got-scp'))).toMatchObject({ status: 1, stderr: 'scp: /chain: Permission denied (symbolic link leads outside the root)\n' });
  expect((await scp(serve, '-O', join(local, 'f'), '127.0.0.1:chain')).status).toBe(1);
  expect((await scp(serve, join(local, 'f'), '127.0.0.1:chain')).status).toBe(1);
  // Left: nothing fetched, no new name in the root (outsideDirPerTest checks that outside is as it was).
  expect(await entries(local)).toEqual(['f']);
  expect(await entries(serve.root)).toEqual(['chain', 'inner']);
});
