// A full remote disk under a directory whose name is not UTF-8 (Latin-1),
// over SFTP: the statvfs@openssh.com asked to say why a write failed went
// with the directory's name as UTF-8 (U+FFFD), no such directory, so the
// user saw only the server's bare "write: Failure". User sees now: "no
// space left on the remote file system", the name escaped, exit 1.
import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, readdirSync } from 'node:fs';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags } from '../helpers/cli';
import { BYTE_ARGS, byteArg, bytes } from '../helpers/latin1-tree';

const sshd = sshdPerSuite();
const MiB = 1024 * 1024;

it('put over SFTP into a full Latin-1 directory says the disk is full, exit 1, nothing left', async () => {
  const dir = await userDir(sshd.sftp, 'full-latin1');
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=4m,uid=${sshd.sftp.uid},gid=${sshd.sftp.gid}`, 'tmpfs', dir]);
  try {
    mkdirSync(bytes(`${dir}/d\xe9`));
    chownSync(bytes(`${dir}/d\xe9`), sshd.sftp.uid, sshd.sftp.gid);
    const rdir = `${remotePath(sshd.sftp, dir)}/d\xe9`;
    const r = await runCli(['put', ...sshFlags(sshd, sshd.sftp), byteArg(remote(sshd, sshd.sftp, `${rdir}/big.bin`))], { stdin: Buffer.alloc(16 * MiB), wrapper: BYTE_ARGS, timeoutMs: 60_000 });
    const shown = rdir.replace('\xe9', '\\xe9');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^scpipe: ${shown.replace(/\\/g, '\\\\')}/big\\.bin: no space left on the remote file system \\(${shown.replace(/\\/g, '\\\\')}/\\.big\\.bin\\.scpipe-\\w{6}: write: Failure\\)\\n$`));
    expect(readdirSync(bytes(`${dir}/d\xe9`))).toEqual([]);
  } finally {
    execFileSync('umount', [dir]);
  }
});
