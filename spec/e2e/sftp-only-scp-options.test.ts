// An option of SCP's alone (--quote for the remote shell, --scp-path) on a
// host that allows only SFTP: the refusal says to leave that option out, as
// the usual advice, --protocol sftp, is refused together with it. The case a
// restore meets: copying the manifests with a glob (docs/nightly.md) from an
// SFTP chroot.
import { mkdtemp, readdir, rm, writeFile, chown } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags } from '../helpers/cli';

const sshd = sshdPerSuite();
const SFTP_ONLY = 'scpipe: the server allows only SFTP ("This service allows sftp connections only."): ';

describe('an SCP-only option on an sftp-only host', () => {
  it('cp --quote none of a glob: says to leave it out and name the files, not to use --protocol sftp', async () => {
    const jailed = await userDir(sshd.sftp, 'glob');
    await writeFile(join(jailed, 'home.2026-12-06.sha256'), 'x\n');
    await chown(join(jailed, 'home.2026-12-06.sha256'), sshd.sftp.uid, sshd.sftp.gid);
    const local = await mkdtemp(join(tmpdir(), 'scpipe-test-sets-'));
    try {
      const r = await runCli(['cp', ...sshFlags(sshd, sshd.sftp), '--quote', 'none', remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, jailed)}/*.sha256`), local]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`${SFTP_ONLY}leave out --quote none, which is for the remote shell of SCP: over SFTP paths are literal, so name the files`);
      expect(r.stderr).not.toContain('--protocol sftp');
      expect(await readdir(local)).toEqual([]);
    } finally {
      await rm(local, { recursive: true, force: true });
    }
  });

  it('put --scp-path: says to leave it out; nothing is stored', async () => {
    const jailed = await userDir(sshd.sftp, 'scp-path');
    const r = await runCli(['put', ...sshFlags(sshd, sshd.sftp), '--scp-path', '/usr/bin/scp', remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, jailed)}/f`)], { stdin: 'x' });
    expect(r).toMatchObject({ status: 1, stderr: `${SFTP_ONLY}leave out --scp-path, which names the remote scp: without it the transfer goes over SFTP\n` });
    expect(await readdir(jailed)).toEqual([]);
  });

  it('get --quote double: says to leave it out', async () => {
    const jailed = await userDir(sshd.sftp, 'quote-double');
    const r = await runCli(['get', ...sshFlags(sshd, sshd.sftp), '--quote', 'double', remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, jailed)}/f`)]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${SFTP_ONLY}leave out --quote double`);
  });

  it('put -O alone keeps the usual advice', async () => {
    const jailed = await userDir(sshd.sftp, 'dash-o');
    const r = await runCli(['put', ...sshFlags(sshd, sshd.sftp), '-O', remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, jailed)}/f`)], { stdin: 'x' });
    expect(r).toMatchObject({ status: 1, stderr: `${SFTP_ONLY}use --protocol sftp (or auto)\n` });
  });
});
