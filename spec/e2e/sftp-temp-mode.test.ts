// An SFTP upload that replaces a file goes to a hidden temporary file first,
// then is renamed over it. That file was made 0644 (less the server's umask)
// and given the old file's mode only at the end: while a private file (0600,
// a key store, a database dump) was being replaced, every account on the
// server could read its new content as it arrived. OpenSSH's scp and sftp
// write into the existing file, whose mode never opens up.
import { chmod, chown, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { remote, sshFlags, startCli } from '../helpers/cli';
import { waitFor } from '../helpers/async';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';

const sshd = sshdPerSuite();

it.each([['0600', 0o600], ['0640', 0o640]])('put over SFTP replacing a %s file: the temporary file is never readable by more than the file was', async (_, mode) => {
  const dir = await userDir(sshd.user, `temp-mode-${mode.toString(8)}`);
  const target = join(dir, 'secret');
  await writeFile(target, 'old');
  await chown(target, sshd.user.uid, sshd.user.gid);
  await chmod(target, mode);
  const stdin = new PassThrough();
  const run = startCli(['put', '--protocol', 'sftp', ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, target)], { stdin });
  stdin.write(Buffer.alloc(1 << 20, 'n'));
  let temp = '';
  await waitFor(async () => {
    const name = (await readdir(dir)).find((n) => n.startsWith('.secret.'));
    if (name === undefined) return false;
    temp = join(dir, name);
    return ((await stat(temp).catch(() => undefined))?.size ?? 0) > 0;
  }, 'the temporary file to hold the first bytes');
  const during = (await stat(temp)).mode & 0o777;
  stdin.end();
  const r = await run.done;
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(during & ~mode & 0o077).toBe(0); // no bit for group or others that the file did not have
  expect((await stat(target)).mode & 0o777).toBe(mode);
  expect((await readFile(target)).length).toBe(1 << 20);
});

it('cp of a 0644 file over SFTP replacing a 0600 one: the temporary file is never readable by others', async () => {
  const dir = await userDir(sshd.user, 'temp-mode-cp');
  const source = join(dir, 'source');
  await writeFile(source, Buffer.alloc(2 << 20, 's'));
  await chmod(source, 0o644);
  const target = join(dir, 'secret');
  await writeFile(target, 'old');
  await chown(target, sshd.user.uid, sshd.user.gid);
  await chmod(target, 0o600);
  // -l 4000 (Kbit/s): about 4 s for the 2 MiB, time to look at the temporary file.
  const run = startCli(['cp', '--protocol', 'sftp', '-l', '4000', ...sshFlags(sshd, sshd.user), source, remote(sshd, sshd.user, target)]);
  let temp = '';
  await waitFor(async () => {
    const name = (await readdir(dir)).find((n) => n.startsWith('.secret.'));
    if (name === undefined) return false;
    temp = join(dir, name);
    return ((await stat(temp).catch(() => undefined))?.size ?? 0) > 0;
  }, 'the temporary file to hold the first bytes');
  const during = (await stat(temp)).mode & 0o777;
  const r = await run.done;
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(during & 0o077).toBe(0);
  expect((await stat(target)).mode & 0o777).toBe(0o600);
  expect((await readFile(target)).length).toBe(2 << 20);
});
