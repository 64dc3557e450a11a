// A symbolic link to a directory named with a `/` after it (`latest/`, as
// tab completion writes it) is the directory, as the kernel's lstat() has
// it and so sftp-server: OpenSSH's `sftp` lists it by LSTAT of `latest/`.
// serve dropped the `/` and answered with the link, so `ls latest/` showed
// one line `latest/` instead of the backups in it.
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sftpBatch, servePerSuite } from '../helpers/serve';
import { outsideDirPerTest } from '../helpers/temp-dir';

const serve = servePerSuite();
const outsideDir = outsideDirPerTest();

beforeAll(async () => {
  await mkdir(join(serve.root, '2026-12-06', 'etc'), { recursive: true });
  await writeFile(join(serve.root, '2026-12-06', 'db.dump'), 'dump');
  await symlink('2026-12-06', join(serve.root, 'latest'));
  await writeFile(join(serve.root, 'file'), 'f');
  await symlink('file', join(serve.root, 'filelink'));
});

it('lists the directory a link leads to when the link is named with a slash after it', async () => {
  const r = await sftpBatch(serve, ['ls -1 latest/', 'ls -l latest/']);
  expect(r).toMatchObject({ status: 0, stderr: '' });
  expect(r.stdout).toContain('sftp> ls -1 latest/\nlatest/db.dump\nlatest/etc\n');
  expect(r.stdout).toMatch(/^-rw-r--r-- .* db\.dump\ndrwxr-xr-x .* etc\n/m);
  expect(r.stdout).not.toMatch(/^lrwx/m);
});

it('answers a file, or a missing name, named with a slash after it as not found, as sftp-server does', async () => {
  const r = await sftpBatch(serve, ['-ls -l filelink/', '-ls -l file/', '-ls nothere/']);
  expect(r.stderr.split(/\r?\n/)).toEqual(['Can\'t ls: "/filelink/" not found', 'Can\'t ls: "/file/" not found', 'Can\'t ls: "/nothere/" not found', '']);
});

it('lists nothing through a link that leads outside the root, named with a slash after it', async () => {
  const outside = outsideDir();
  await symlink(outside, join(serve.root, 'out'));
  const r = await sftpBatch(serve, ['-ls -l out/', '-ls out/']);
  expect(r.stdout).not.toContain('secret');
  expect(r.stderr.split(/\r?\n/)).toEqual(['Can\'t ls: "/out/" not found', 'Can\'t ls: "/out/" not found', '']);
});
