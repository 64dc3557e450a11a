// The root of `scpipe serve` cannot be chmodded by a client (docs/serve.md:
// a mode it chose, 0777, would open the root to every local user). The
// check compared the path named with the root, so a symlink to the root
// (`ln -s . /me`, a link inside) let `chmod 777 /me` through.
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sftpBatch, servePerSuite } from '../helpers/serve';

const serve = servePerSuite();

const sftp = (batch: string[]) => sftpBatch(serve, batch);

it('refuses chmod of the root through a symlink to it', async () => {
  const before = (await stat(serve.root)).mode;
  expect(await sftp(['ln -s . /me'])).toMatchObject({ status: 0 });
  const r = await sftp(['chmod 777 /me']);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('remote setstat "/me": Permission denied');
  expect(await sftp(['chmod 700 /'])).toMatchObject({ status: 1 });
  expect((await stat(serve.root)).mode).toBe(before);
});

// SFTP log lines hold client paths; rewriting the root's real path in them
// (as for the scp roles' host paths) logged `mkdir <root>/zz` as `mkdir /zz`.
it('logs a client path that begins with the real root path as the client named it', async () => {
  await mkdir(join(serve.root, serve.root), { recursive: true });
  expect(await sftp([`mkdir ${serve.root}/zz`])).toMatchObject({ status: 0 });
  expect(serve.log()).toContain(` sftp mkdir ${serve.root}/zz ok\n`);
});
