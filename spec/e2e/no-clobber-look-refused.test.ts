// put --no-clobber over SCP asks a remote `scp -f` whether the target is
// there. When the server refuses the look (a directory the account may not
// search), the error keeps the code of the refusal, ERR_PERMISSION_DENIED as
// over SFTP, with what the remote said: not a bare ERR_REMOTE.
import { chmod, chown, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { put, type ScpipeError } from '../../lib';
import { connectOptions, remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags } from '../helpers/cli';

const sshd = sshdPerSuite();

describe('put --no-clobber over SCP, the look refused', () => {
  // User sees: exit 1, "--no-clobber: cannot tell whether PATH exists: remote:
  // scp: PATH: Permission denied"; the library's error is ERR_PERMISSION_DENIED
  // with the remote's message. Left: nothing, remotely (nothing was sent).
  it('keeps the code and the message of the refusal', async () => {
    await sshd.setRsshAllowed(['scp']);
    const dir = await userDir(sshd.rssh, 'noclobber-refused');
    const shut = join(dir, 'shut');
    await mkdir(shut, { mode: 0o000 });
    await chown(shut, sshd.rssh.uid, sshd.rssh.gid);
    const path = `${remotePath(sshd.rssh, shut)}/f.bin`;
    const said = `--no-clobber: cannot tell whether ${path} exists: remote: scp: ${path}: Permission denied`;
    const err = (await put(connectOptions(sshd, sshd.rssh), path, Buffer.from('new'), { noClobber: true, retries: 0 }).then(() => undefined, (e: unknown) => e)) as ScpipeError;
    expect(err).toMatchObject({ code: 'ERR_PERMISSION_DENIED', message: said, path, remoteMessage: `scp: ${path}: Permission denied` });
    const r = await runCli(['put', ...sshFlags(sshd, sshd.rssh), '--no-clobber', remote(sshd, sshd.rssh, path)], { stdin: 'new' });
    expect(r).toMatchObject({ status: 1, stderr: `scpipe: ${said}\n` });
    await chmod(shut, 0o700);
    expect(await readdir(shut)).toEqual([]);
  });
});
