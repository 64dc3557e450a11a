// A backup disk that unmounts leaves its empty mount point at the root's
// path: uploads then landed, "ok", on the file system beneath (filling `/`,
// and hidden again at the next mount). serve now refuses sessions while a
// root that was a mount point is not one any more, or is gone, says so once
// in its log, and serves again when the disk is back.
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runProgram } from '../helpers/run-program';
import { startServe, sftpBatch, type TestServe } from '../helpers/serve';
import { unmount } from '../helpers/tmpfs';

let serve: TestServe;
beforeAll(async () => {
  serve = await startServe();
});
afterAll(async () => {
  await unmount(serve.root).catch(() => undefined); // not mounted
  await serve?.stop();
});

const refusal = "scpipe serve: the server's storage is not available; try again later\n";
const mount = (): void => void execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', serve.root]);
const umount = (): Promise<void> => unmount(serve.root);

it('refuses scp and SFTP sessions while the disk mounted on the root is gone, and serves again when it is back', async () => {
  const file = join(serve.dir, 'f');
  await writeFile(file, 'backup');
  const upload = (name: string, sftp: boolean) => runProgram('scp', [...(sftp ? [] : ['-O']), '-q', ...serve.sshArgs(), file, `127.0.0.1:/${name}`]);

  mount(); // after start, as a disk that mounts late: served
  expect(await upload('a', false)).toMatchObject({ status: 0 });
  await umount();
  const scp = await upload('b', false);
  expect(scp.status).toBe(1);
  expect(scp.stderr).toContain(refusal);
  const viaSftp = await upload('c', true);
  expect(viaSftp.status).not.toBe(0);
  expect(viaSftp.stderr).toContain(refusal);
  expect((await sftpBatch(serve, ['ls /'])).status).not.toBe(0);
  expect(await readdir(serve.root)).toEqual([]); // nothing written to the file system beneath
  const said = serve.log().split('\n').filter((l) => l.includes('is no longer a mount point'));
  expect(said).toEqual([
    `scpipe: root ${serve.root} is no longer a mount point (its file system unmounted?): sessions are refused until it is mounted again (or serve restarted)`,
  ]);

  mount();
  expect(await upload('d', false)).toMatchObject({ status: 0 });
  expect(await upload('e', true)).toMatchObject({ status: 0 });
  expect(serve.log()).toContain(`scpipe: root ${serve.root} is back: sessions are served again\n`);
  expect((await readdir(serve.root)).sort()).toEqual(['d', 'e']);
});

it('refuses sessions while the root is gone, saying why', async () => {
  await umount();
  await rename(serve.root, `${serve.root}.away`);
  const r = await runProgram('scp', ['-O', '-q', ...serve.sshArgs(), '127.0.0.1:/x', join(serve.dir, 'x')]);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain(refusal);
  expect(serve.log()).toContain(`scpipe: root ${serve.root}: No such file or directory: sessions are refused\n`);
  // The bare directory again: still not the disk it had, still refused.
  await rename(`${serve.root}.away`, serve.root);
  expect((await sftpBatch(serve, ['ls /'])).status).not.toBe(0);
  mount();
  await mkdir(join(serve.root, 'ok'));
  expect((await sftpBatch(serve, ['ls /'])).stdout).toContain('ok');
});
