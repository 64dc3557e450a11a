// `scpipe get host:f | head -c 10`, or a pg_restore that fails: the reader
// exits and the next write to stdout fails with EPIPE. As scp, exit 1 and
// say so, in words a user knows (libuv says "write EPIPE").
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile, chown } from 'node:fs/promises';
import { join } from 'node:path';
import { remotePath, userDir, type TestAccount } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { CLI, remote, shellQuote, sshFlags } from '../helpers/cli';

const sshd = sshdPerSuite();

describe.each([
  ['over SCP (-O)', () => sshd.rssh, ['-O']],
  ['over SFTP', () => sshd.sftp, []],
])('get %s to a reader that exits', (_how, account: () => TestAccount, extra: string[]) => {
  it('exits 1: cannot write stdout: Broken pipe (the reader exited)', async () => {
    await sshd.setRsshAllowed(['scp', 'sftp']);
    const dir = await userDir(account(), 'epipe');
    await writeFile(join(dir, 'f.bin'), randomBytes(3 << 20));
    await chown(join(dir, 'f.bin'), account().uid, account().gid);
    const cli = shellQuote([process.execPath, CLI, 'get', ...sshFlags(sshd, account()), ...extra, remote(sshd, account(), `${remotePath(account(), dir)}/f.bin`)]);
    const r = spawnSync('bash', ['-c', `${cli} | head -c 10 > /dev/null; echo "\${PIPESTATUS[0]}"`], { encoding: 'utf8', env: { ...process.env, HOME: process.env.SCPIPE_TEST_HOME }, timeout: 30_000 });
    expect(r.stderr).toBe('scpipe: cannot write stdout: Broken pipe (the program reading it exited before the end of the file)\n');
    expect(r.stdout).toBe('1\n');
  });
});
