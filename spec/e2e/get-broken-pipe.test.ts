// `scpipe get host:f | head -c 10`, or a pg_restore that fails: the reader
// exits and the next write to stdout fails with EPIPE. As scp, exit 1 and
// say so, in words a user knows (libuv says "write EPIPE").
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile, chown } from 'node:fs/promises';
import { join } from 'node:path';
import { remotePath, userDir, type TestAccount } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { CLI, remote, shellQuote, sshFlags } from '../helpers/cli';
import { tempDirPerTest } from '../helpers/temp-dir';

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

// The download is over, its last bytes still in Node's buffer for stdout (the
// pipe is full), when the reader exits: writing them fails with EPIPE, and
// get said nothing and exited 0 with the end of the file never written.
describe('get over SCP to a reader that exits after the download ended', () => {
  const tmp = tempDirPerTest('scpipe-epipe-end-');
  it('exits 1: cannot write stdout: Broken pipe', async () => {
    const dir = await userDir(sshd.rssh, 'epipe-end');
    // One page of pipe (F_SETPIPE_SZ below) and 2000 bytes more: fewer than stdout's 16 KiB buffer takes without waiting.
    await writeFile(join(dir, 'f.bin'), randomBytes(4096 + 2000));
    await chown(join(dir, 'f.bin'), sshd.rssh.uid, sshd.rssh.gid);
    const [err, ready] = [join(tmp(), 'stderr'), join(tmp(), 'ready')];
    const cli = shellQuote([process.execPath, CLI, 'get', '-v', ...sshFlags(sshd, sshd.rssh), '-O', remote(sshd, sshd.rssh, `${remotePath(sshd.rssh, dir)}/f.bin`)]);
    const poll = (test: string): string => `for i in $(seq 2000); do ${test} && break; sleep 0.01; done`;
    // get starts once the pipe holds one page; the reader takes nothing, and exits once the remote scp has exited (-v says so).
    const writer = `${poll(`[ -e ${shellQuote([ready])} ]`)}; exec ${cli} 2> ${shellQuote([err])}`;
    const reader = `perl -e 'fcntl(STDIN, 1031, 4096) or die "F_SETPIPE_SZ: $!\\n"' && touch ${shellQuote([ready])}; ${poll(`grep -qs 'exit status 0' ${shellQuote([err])}`)}`;
    const r = spawnSync('bash', ['-c', `{ ${writer}; } | { ${reader}; }; echo "\${PIPESTATUS[0]}"`], { encoding: 'utf8', env: { ...process.env, HOME: process.env.SCPIPE_TEST_HOME }, timeout: 60_000 });
    expect(r.stderr).toBe('');
    const said = await readFile(err, 'utf8');
    expect(said).toContain('exit status 0');
    expect({ status: r.stdout, last: said.trimEnd().split('\n').pop() }).toEqual({ status: '1\n', last: 'scpipe: cannot write stdout: Broken pipe (the program reading it exited before the end of the file)' });
  });
});
