// A failure told again with more words (a hint, the way past it) keeps what
// the first telling carried: a script reading --json, or a program the
// library's error, still finds the remote's exit status and stderr.
import { readdir } from 'node:fs/promises';
import { put } from '../../lib';
import { connectOptions, remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags } from '../helpers/cli';

const sshd = sshdPerSuite();

describe('a refusal retold with its hint', () => {
  const SFTP_ONLY = 'This service allows sftp connections only.';

  it("--protocol scp against the sftp-only jail: --json's error keeps the remote's message; nothing stored", async () => {
    const dir = await userDir(sshd.sftp, 'retold');
    const r = await runCli(['put', ...sshFlags(sshd, sshd.sftp), '--protocol', 'scp', '--json', remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, dir)}/f`)], { stdin: 'x' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('scpipe: the server allows only SFTP ("This service allows sftp connections only."): use --protocol sftp');
    const { error } = JSON.parse(r.stdout.toString()) as { error: Record<string, unknown> };
    expect(error).toMatchObject({ code: 'ERR_PROTOCOL_REFUSED', remote_message: SFTP_ONLY });
    expect(await readdir(dir)).toEqual([]);
  });

  it("the library's error keeps the remote's message and the first telling as its cause", async () => {
    const dir = await userDir(sshd.sftp, 'retold-lib');
    const err: unknown = await put(connectOptions(sshd, sshd.sftp), `${remotePath(sshd.sftp, dir)}/f`, Buffer.from('x'), { protocol: 'scp' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_PROTOCOL_REFUSED', remoteMessage: SFTP_ONLY, cause: expect.objectContaining({ remoteMessage: SFTP_ONLY }) });
    expect(await readdir(dir)).toEqual([]);
  });
});
