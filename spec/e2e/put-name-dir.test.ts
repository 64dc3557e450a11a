// put --name NAME host:DIR/ over SCP: the remote scp -t is told that DIR/
// must be a directory (-d, as OpenSSH's scp does for a directory target), so
// a missing one is said to be missing. Without it, scp -t tried to create a
// file named "DIR/" and said "Is a directory" of a directory that is not there.
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { pastedFlags, remote, runCli, sshFlags } from '../helpers/cli';
import { unmount } from '../helpers/tmpfs';

const sshd = sshdPerSuite();
const sha = (b: string): string => createHash('sha256').update(b).digest('hex');

describe('put --name NAME host:DIR/ over SCP (the rssh-like account)', () => {
  beforeEach(() => sshd.setRsshAllowed(['scp']));
  const put = (path: string): string[] => ['put', ...sshFlags(sshd, sshd.rssh), '-O', '--name', 'n', remote(sshd, sshd.rssh, path)];

  // User sees: exit 1, "scpipe: remote: scp: DIR/missing/: No such file or directory (the directory DIR/missing is not there; …)". Left: nothing.
  it('a missing DIR: exit 1, "No such file or directory"', async () => {
    const dir = remotePath(sshd.rssh, await userDir(sshd.rssh, 'name-dir'));
    const r = await runCli(put(`${dir}/missing/`), { stdin: 'hi' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`scpipe: remote: scp: ${dir}/missing/: No such file or directory (the directory ${dir}/missing is not there; to make it: mkdir empty && scpipe cp -r empty ${pastedFlags(sshFlags(sshd, sshd.rssh))} ${remote(sshd, sshd.rssh, `${dir}/missing`)})\n`);
  });

  // User sees: exit 0. Left: DIR/n.
  it('an existing DIR: the file lands inside it under NAME', async () => {
    const dir = await userDir(sshd.rssh, 'name-dir-ok');
    const r = await runCli(put(`${remotePath(sshd.rssh, dir)}/`), { stdin: 'hi' });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(await readFile(join(dir, 'n'), 'utf8')).toBe('hi');
  });

  // A full disk under DIR given without its slash: the message named DIR
  // itself as the file left cut short, holding the space. User sees now:
  // exit 1, both places the file may be, as cp says them. Left: DIR/n, cut short.
  it('a full disk: the file left cut short is named inside DIR too', async () => {
    const dir = await userDir(sshd.rssh, 'name-full');
    const small = join(dir, 'small');
    await mkdir(small);
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=1m,uid=${sshd.rssh.uid}`, 'tmpfs', small]);
    try {
      const at = `${remotePath(sshd.rssh, dir)}/small`;
      const r = await runCli(put(at), { stdin: randomBytes(3 * 1024 * 1024) });
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(
        `scpipe: remote: scp: ${at}/n: No space left on device; the remote file ${at} (or ${at}/n, if ${at} was a directory) ` +
          'is left cut short, holding what fit, and its space: remove it, or store an empty file over it\n',
      );
      expect((await stat(join(small, 'n'))).size).toBeGreaterThan(0);
    } finally {
      await unmount(small);
    }
  });

  // To a file path scp -t stores at the path, whatever name is announced;
  // the checksum line named the --name file, which was never made. User
  // sees now: the line names the stored file, alone and beside an SFTP
  // target. Left: DIR/f on each, no file n.
  it('a file path: the checksum line names the stored file, not NAME', async () => {
    const dir = await userDir(sshd.rssh, 'name-file');
    const jail = await userDir(sshd.sftp, 'name-file');
    const sums = join(dir, '..', `${basename(dir)}.sha256`);
    const r = await runCli([...put(`${remotePath(sshd.rssh, dir)}/f`), '--checksum', '--checksum-file', sums], { stdin: 'hi' });
    expect(r).toMatchObject({ status: 0, stderr: `${sha('hi')}  f\n` });
    expect(await readFile(sums, 'utf8')).toBe(`${sha('hi')}  f\n`);
    const both = await runCli(['put', ...sshFlags(sshd, sshd.rssh), '-i', sshd.sftp.keyPath, '--name', 'n', '--checksum', remote(sshd, sshd.rssh, `${remotePath(sshd.rssh, dir)}/g`), remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, jail)}/g`)], { stdin: 'hi' });
    expect(both).toMatchObject({ status: 0, stderr: `${sha('hi')}  g\n` });
    expect((await readdir(dir)).sort()).toEqual(['f', 'g']);
    expect(await readdir(jail)).toEqual(['g']);
    await rm(sums);
  });
});
