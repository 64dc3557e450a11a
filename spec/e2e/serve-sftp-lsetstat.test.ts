// lsetstat@openssh.com against `scpipe serve`: what OpenSSH's sftp sends for
// `chmod -h`, `chown -h` and `chgrp -h`. As sftp-server: a name that is not a
// link is changed as by setstat; a link gets its own times, never its
// target's, and no mode (Failure, as Linux has none); the jail, --read-only
// and --append-only hold as for setstat.
import { chmod, lstat, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { emptyRoot, servePerSuite, sftpBatch, ssh2Client, startServe } from '../helpers/serve';
import { outsideDirPerTest } from '../helpers/temp-dir';

const serve = servePerSuite();
const outsideDir = outsideDirPerTest();
afterEach(() => emptyRoot(serve));

async function fileAndLink(root: string): Promise<void> {
  await writeFile(join(root, 'f'), 'f');
  await writeFile(join(root, 'g'), 'g');
  await chmod(join(root, 'f'), 0o644);
  await chmod(join(root, 'g'), 0o644);
  await symlink('g', join(root, 'l'));
}

describe('serve answers sftp chmod -h, chown -h and chgrp -h', () => {
  it('changes a file as chmod does, and a link without touching its target', async () => {
    await fileAndLink(serve.root);
    const gid = (await lstat(join(serve.root, 'l'))).gid;
    expect(await sftpBatch(serve, ['chmod -h 600 f', `chgrp -h ${gid} l`])).toMatchObject({ status: 0, stderr: '' });
    expect((await stat(join(serve.root, 'f'))).mode & 0o7777).toBe(0o600);
    // A link has no mode of its own on Linux: Failure, as from sftp-server.
    const mode = await sftpBatch(serve, ['chmod -h 600 l']);
    expect(mode).toMatchObject({ status: 1, stderr: 'remote lsetstat "/l": Failure\r\n' });
    const owner = await sftpBatch(serve, [`chown -h ${(await lstat(join(serve.root, 'l'))).uid + 1} l`]);
    expect(owner).toMatchObject({ status: 1, stderr: 'remote lsetstat "/l": Permission denied\r\n' });
    expect((await stat(join(serve.root, 'g'))).mode & 0o7777).toBe(0o644);
    expect(await sftpBatch(serve, ['chmod -h 600 nothere'])).toMatchObject({ status: 1, stderr: 'remote lsetstat "/nothere": No such file or directory\r\n' });
  });

  it("sets a link's own times, also of one that leads outside, and never its target's", async () => {
    const secret = join(outsideDir(), 'secret');
    await utimes(secret, 1000, 2000);
    await symlink(secret, join(serve.root, 'out'));
    const client = await ssh2Client(serve);
    try {
      const sftp = await new Promise<SFTPWrapper>((resolve, reject) => client.sftp((err, s) => (err ? reject(err) : resolve(s))));
      await new Promise<void>((resolve, reject) => sftp.ext_openssh_lsetstat('/out', { atime: 5, mtime: 6 }, (err) => (err ? reject(err) : resolve())));
    } finally {
      client.end();
    }
    expect((await lstat(join(serve.root, 'out'))).mtimeMs).toBe(6000);
    expect((await stat(secret)).mtimeMs).toBe(2_000_000);
  });

  it('refuses it on --read-only and on an existing file or link with --append-only', async () => {
    for (const option of ['--read-only', '--append-only']) {
      const other = await startServe([option]);
      try {
        await fileAndLink(other.root);
        for (const command of ['chmod -h 600 f', 'chmod -h 600 l']) {
          const r = await sftpBatch(other, [command]);
          expect({ option, command, status: r.status, stderr: r.stderr }).toEqual({ option, command, status: 1, stderr: expect.stringContaining('Permission denied') });
        }
        expect((await stat(join(other.root, 'f'))).mode & 0o7777).toBe(0o644);
        if (option === '--append-only') expect(other.log()).toMatch(/ sftp lsetstat refused: \/l: append-only server: /);
      } finally {
        await other.stop();
      }
    }
  });
});
