// A host whose login shell is slow to start the command (a home on slow NFS,
// a busy tape host): here a forced command that sleeps 2 s, then runs what
// was asked (scp -t, scp -f, sftp-server). Past --start-timeout the silence
// reads as a forced command that is not scp or sftp-server, and the message
// names the option; raised above the delay, the same runs store the file.
// 1 s and 30 s stand for the 10 s default and a raised bound, so the test
// does not sit through the default (scp-silent.test.ts does).
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags } from '../helpers/cli';

const sshd = sshdPerSuite({ userForceCommand: 'sleep 2; eval "exec $SSH_ORIGINAL_COMMAND"', sftpSubsystem: '/usr/lib/openssh/sftp-server' });

const RAISE = 'or the host is slower to start it: raise --start-timeout';
const NO_VERSION = `scpipe: the sftp subsystem sent no SFTP version in 1 s (the account's forced command may not be sftp-server, ${RAISE}); this host may allow only scp: try --protocol scp (or auto)\n`;

describe.each([
  ['ssh2', 'it started'],
  ['openssh', 'ssh started it'],
])('a forced command slow to start, --transport %s', (transport, since) => {
  const flags = (bound: string): string[] => ['--transport', transport, '--start-timeout', bound, '--retries', '0', ...sshFlags(sshd, sshd.user)];

  it('put -O: exit 1 in a bound below the delay, naming --start-timeout; stored with a bound above it', async () => {
    const dir = await userDir(sshd.user, `slow-scp-${transport}`);
    const short = await runCli(['put', '-O', ...flags('1'), remote(sshd, sshd.user, `${dir}/f`)], { stdin: 'hello\n', timeoutMs: 60_000 });
    expect(short).toMatchObject({ status: 1, stderr: `scpipe: the remote command scp -t '${dir}/f' sent no answer in 1 s after ${since} (the account's forced command may not be scp, ${RAISE})\n` });
    expect(await readdir(dir)).toEqual([]);
    const long = await runCli(['put', '-O', ...flags('30'), remote(sshd, sshd.user, `${dir}/f`)], { stdin: 'hello\n', timeoutMs: 90_000 });
    expect(long).toMatchObject({ status: 0, stderr: '' });
    expect(await readFile(join(dir, 'f'), 'utf8')).toBe('hello\n');
  }, 180_000);

  it('put -s and get -s: exit 1 in a bound below the delay, naming --start-timeout; done with a bound above it', async () => {
    const dir = await userDir(sshd.user, `slow-sftp-${transport}`);
    const short = await runCli(['put', '-s', ...flags('1'), remote(sshd, sshd.user, `${dir}/f`)], { stdin: 'hello\n', timeoutMs: 60_000 });
    expect(short).toMatchObject({ status: 1, stderr: NO_VERSION });
    expect(await readdir(dir)).toEqual([]);
    const long = await runCli(['put', '-s', ...flags('30'), remote(sshd, sshd.user, `${dir}/f`)], { stdin: 'hello\n', timeoutMs: 90_000 });
    expect(long).toMatchObject({ status: 0, stderr: '' });
    expect(await readdir(dir)).toEqual(['f']);
    const shortGet = await runCli(['get', '-s', ...flags('1'), remote(sshd, sshd.user, `${dir}/f`)], { timeoutMs: 60_000 });
    expect({ status: shortGet.status, stdout: shortGet.stdout.length, stderr: shortGet.stderr }).toEqual({ status: 1, stdout: 0, stderr: NO_VERSION });
    const longGet = await runCli(['get', '-s', ...flags('30'), remote(sshd, sshd.user, `${dir}/f`)], { timeoutMs: 90_000 });
    expect({ status: longGet.status, stdout: longGet.stdout.toString(), stderr: longGet.stderr }).toEqual({ status: 0, stdout: 'hello\n', stderr: '' });
  }, 300_000);
});

describe('a forced command slow to start, the other ways to scp -t', () => {
  const flags = (bound: string): string[] => ['-O', '--start-timeout', bound, '--retries', '0', ...sshFlags(sshd, sshd.user)];

  it('cp -O up: exit 1 in a bound below the delay; copied with a bound above it', async () => {
    const dir = await userDir(sshd.user, 'slow-cp');
    const short = await runCli(['cp', ...flags('1'), 'package.json', remote(sshd, sshd.user, `${dir}/f`)], { timeoutMs: 60_000 });
    expect(short).toMatchObject({ status: 1, stderr: `scpipe: the remote command scp -t '${dir}/f' sent no answer in 1 s after it started (the account's forced command may not be scp, ${RAISE})\n` });
    const long = await runCli(['cp', ...flags('30'), 'package.json', remote(sshd, sshd.user, `${dir}/f`)], { timeoutMs: 90_000 });
    expect(long).toMatchObject({ status: 0, stderr: '' });
    expect(await readFile(join(dir, 'f'), 'utf8')).toBe(await readFile('package.json', 'utf8'));
  }, 180_000);

  it('put -O --part-size: each part waits as long; the set stored with a bound above the delay', async () => {
    const dir = await userDir(sshd.user, 'slow-parts');
    const short = await runCli(['put', ...flags('1'), '--part-size', '4', remote(sshd, sshd.user, `${dir}/f`)], { stdin: 'hello world\n', timeoutMs: 60_000 });
    expect(short.status).toBe(1);
    expect(short.stderr).toContain(`sent no answer in 1 s after it started (the account's forced command may not be scp, ${RAISE})`);
    const long = await runCli(['put', ...flags('30'), '--part-size', '4', remote(sshd, sshd.user, `${dir}/g`)], { stdin: 'hello world\n', timeoutMs: 120_000 });
    expect(long).toMatchObject({ status: 0, stderr: '' });
    expect((await readdir(dir)).filter((n) => n.startsWith('g')).sort()).toEqual(['g.000000', 'g.000001', 'g.000002', 'g.sha256']);
    expect(await readFile(join(dir, 'g.000002'), 'utf8')).toBe('rld\n');
  }, 240_000);

  it('a bad --start-timeout: exit 2 naming it, before any connection', async () => {
    const r = await runCli(['put', ...flags('0'), remote(sshd, sshd.user, '/tmp/never')], { stdin: 'x' });
    expect(r).toMatchObject({ status: 2, stderr: 'scpipe: bad --start-timeout "0": give seconds, or a number with s, m or h (30, 90s, 10m, 1h), more than 0; default 10\n' });
  }, 60_000);
});
