// put to several targets while the input command after -- fails: every
// target's line has the same shape, "scpipe: TARGET: …", whichever protocol
// it took, against real sshd (the rssh-like account and the internal-sftp jail).
import { readdir } from 'node:fs/promises';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags } from '../helpers/cli';

const sshd = sshdPerSuite();

let scpDir: string;
let sftpDir: string;
beforeEach(async () => {
  await sshd.setRsshAllowed(['scp']);
  scpDir = await userDir(sshd.rssh, 'many-input');
  sftpDir = await userDir(sshd.sftp, 'many-input');
});
const flags = (): string[] => [...sshFlags(sshd, sshd.rssh), '-i', sshd.sftp.keyPath];
const toScp = (name: string): string => remote(sshd, sshd.rssh, `${remotePath(sshd.rssh, scpDir)}/${name}`);
const toSftp = (name: string): string => remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, sftpDir)}/${name}`);

describe('put to several targets, the input command fails', () => {
  it('with --size: each target says it in the same shape, naming itself first', async () => {
    const command = ['bash', '-c', 'head -c 5M /dev/zero; exit 3'];
    const r = await runCli(['put', ...flags(), '--size', '5242880', toScp('p.bin'), toSftp('p.bin'), '--', ...command], { timeoutMs: 60_000 });
    // The SCP target streamed all 5 MiB under --size before the status came: its file is left, said untrusted;
    // the SFTP target's temporary file is removed. Exit 1.
    const scpPath = `${remotePath(sshd.rssh, scpDir)}/p.bin`;
    const failed = "the input command exited with status 3: bash -c 'head -c 5M /dev/zero; exit 3'";
    expect(r.stderr.split('\n').filter((l) => l !== '')).toEqual([
      `scpipe: ${toScp('p.bin')}: ${failed} (after 5242880 of 5242880 bytes); the remote file ${scpPath} cannot be trusted: remove or overwrite it`,
      `scpipe: ${toSftp('p.bin')}: ${failed}; nothing was stored`,
    ]);
    expect(r.status).toBe(1);
    expect(await readdir(scpDir)).toEqual(['p.bin']);
    expect(await readdir(sftpDir)).toEqual([]);
  });
});
