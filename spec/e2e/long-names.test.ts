// Names longer than the remote file system takes (255 bytes, NAME_MAX): the
// run fails before it reads on, saying so, not once the whole stream is
// spooled (SCP) or the first part is cut (a parts set), and a name that fits
// is stored byte-exact. OpenSSH's sftp-server says "Bad message" for it.
import { execFileSync } from 'node:child_process';
import { chown, mkdir, readdir } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags } from '../helpers/cli';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const spoolDir = tempDirPerTest('scpipe-test-long-names-', { mustEndEmpty: true });
const name = (bytes: number): string => 'n'.repeat(bytes);

/** A producer that wrote a little and goes on for a long time: stdin that never ends. */
function neverEnding(): PassThrough {
  const input = new PassThrough();
  input.write(Buffer.alloc(1000, 1));
  return input;
}

describe.each([
  ['scp', ['-O'], () => sshd.rssh],
  ['sftp', ['--protocol', 'sftp'], () => sshd.sftp],
])('over %s', (protocol, flags, account) => {
  const target = async (file: string): Promise<{ dir: string; path: string }> => {
    const dir = await userDir(account(), `long-${protocol}`);
    const remoteDir = account().chroot ? dir.slice(account().chroot!.length) : dir;
    return { dir, path: remote(sshd, account(), `${remoteDir}/${file}`) };
  };
  const put = (path: string, extra: string[] = []): string[] => ['put', ...flags, ...sshFlags(sshd, account()), '--spool-dir', spoolDir(), ...extra, path];

  it('a file name of 256 bytes: exit 1 before the input ends, saying the name is too long', async () => {
    const { dir, path } = await target(name(256));
    const r = await runCli(put(path), { stdin: neverEnding(), timeoutMs: 20000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${name(256)}: `);
    expect(r.stderr).toContain('File name too long (a name of 256 bytes');
    expect(await readdir(dir)).toEqual([]);
  });

  it('a set of a 250-byte name (its parts 257): exit 1 before the first part is cut', async () => {
    const { dir, path } = await target(name(250));
    const r = await runCli(put(path, ['--part-size', '1M']), { stdin: neverEnding(), timeoutMs: 20000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${name(250)}.sha256: File name too long (a name of 257 bytes; most file systems take at most 255): the remote refused the parts set's names`);
    expect(r.stderr).not.toContain('incomplete');
    expect(await readdir(dir)).toEqual([]);
  });

  it('names that fit are stored as given: a file of 255 bytes, a set of 248', async () => {
    const { dir, path } = await target(name(255));
    expect(await runCli(put(path), { stdin: 'file' })).toMatchObject({ status: 0, stderr: '' });
    const set = await target(name(248));
    expect(await runCli(put(set.path, ['--part-size', '2']), { stdin: 'abc' })).toMatchObject({ status: 0, stderr: '' });
    expect((await readdir(dir)).sort()).toEqual([name(255)]);
    expect((await readdir(set.dir)).sort()).toEqual([`${name(248)}.000000`, `${name(248)}.000001`, `${name(248)}.sha256`]);
  });
});

it('put -O --name of 256 bytes into a directory: exit 1 at once', async () => {
  const dir = await userDir(sshd.rssh, 'long-name-option');
  const r = await runCli(['put', '-O', ...sshFlags(sshd, sshd.rssh), '--spool-dir', spoolDir(), '--name', name(256), remote(sshd, sshd.rssh, dir)], { stdin: neverEnding(), timeoutMs: 20000 });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('File name too long (a name of 256 bytes');
  expect(await readdir(dir)).toEqual([]);
});

// A path of 4096 bytes (Linux's PATH_MAX counts the NUL), its names short:
// scp -t said "File name too long" after the whole stream; get -O said
// "protocol error: header line too long" (the reply was over 2047 bytes).
describe('a path of 4096 bytes over SCP', () => {
  const longPath = (dir: string): string => {
    let path = dir;
    while (Buffer.byteLength(path) + 101 < 4096) path += `/${'d'.repeat(100)}`;
    return `${path}/${'f'.repeat(4096 - Buffer.byteLength(path) - 1)}`;
  };

  it('put -O: exit 1 before the input ends, saying the path is too long', async () => {
    const dir = await userDir(sshd.rssh, 'path-max');
    const path = longPath(dir);
    expect(Buffer.byteLength(path)).toBe(4096);
    const r = await runCli(['put', '-O', ...sshFlags(sshd, sshd.rssh), '--spool-dir', spoolDir(), remote(sshd, sshd.rssh, path)], { stdin: neverEnding(), timeoutMs: 20000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(': File name too long (a path of 4096 bytes; Linux takes at most 4095): the remote refused its name; nothing was sent');
    expect(await readdir(dir)).toEqual([]);
  });

  it('get -O: the remote\'s reason, not a protocol error', async () => {
    const dir = await userDir(sshd.rssh, 'path-max-get');
    const r = await runCli(['get', '-O', ...sshFlags(sshd, sshd.rssh), remote(sshd, sshd.rssh, longPath(dir))]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^scpipe: remote: scp: \/.*\/f+: File name too long\n$/);
  });
});

it('a target path of 4095 bytes is stored over SFTP, as over SCP', async () => {
  const dir = await userDir(sshd.sftp, 'path-max-sftp');
  const rdir = dir.slice(sshd.sftp.chroot!.length);
  // The real path the server resolves is the chroot's; the client sees rdir.
  let sub = '';
  while (Buffer.byteLength(rdir + sub) + 101 < 4000) sub += `/${'d'.repeat(100)}`;
  await mkdir(dir + sub, { recursive: true });
  await chown(dir, sshd.sftp.uid, sshd.sftp.gid);
  const path = `${rdir}${sub}/${'f'.repeat(4095 - Buffer.byteLength(rdir + sub) - 1)}`;
  expect(Buffer.byteLength(path)).toBe(4095);
  for (let d = dir + sub; d !== dir; d = d.slice(0, d.lastIndexOf('/'))) await chown(d, sshd.sftp.uid, sshd.sftp.gid);
  try {
    const r = await runCli(['put', '--protocol', 'sftp', ...sshFlags(sshd, sshd.sftp), remote(sshd, sshd.sftp, path)], { stdin: 'at PATH_MAX' });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(await readdir(dir + sub)).toEqual([path.slice(path.lastIndexOf('/') + 1)]);
  } finally {
    // Under the chroot's prefix the real path passes PATH_MAX, which fs.rm (the suite's clean-up) cannot remove; rm walks it by descriptors.
    execFileSync('rm', ['-rf', `${dir}/${'d'.repeat(100)}`]);
  }
});
