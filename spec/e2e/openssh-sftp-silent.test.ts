// A subsystem that takes the session and never says a word (a hung
// sftp-server, a forced command that waits): ssh is logged in and says
// nothing at LogLevel ERROR, so --transport openssh waited for good, as
// OpenSSH's sftp does. Both transports now give it the same bound from the
// subsystem request, as a refusal: --protocol sftp fails, auto goes on over SCP.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags } from '../helpers/cli';

// What the user sees when the subsystem never speaks, over either transport.
const silentSaid = (s: number): string => `scpipe: the sftp subsystem sent no SFTP version in ${s} s (the account's forced command may not be sftp-server, or the host is slower to start it: raise --start-timeout); this host may allow only scp: try --protocol scp (or auto)\n`;
// The default 10 s is proved once, over openssh; the other runs give 2 s, to spend less of CI's time waiting.
const START = ['--start-timeout', '2'];
const wrapperDir = mkdtempSync(join(tmpdir(), 'scpipe-test-silent-sftp-'));
// Reads until the connection goes, so it ends with the session.
writeFileSync(join(wrapperDir, 'sftp-server'), '#!/bin/sh\nexec cat >/dev/null\n');
chmodSync(wrapperDir, 0o755);
chmodSync(join(wrapperDir, 'sftp-server'), 0o755);
const sshd = sshdPerSuite({ sftpSubsystem: join(wrapperDir, 'sftp-server') });
afterAll(() => rm(wrapperDir, { recursive: true, force: true }));

describe.each([
  ['ssh2', 2],
  ['openssh', 10],
] as const)('a subsystem that never speaks, --transport %s', (transport, bound) => {
  const flags = (): string[] => ['--transport', transport, ...sshFlags(sshd, sshd.user)];

  it(`--protocol sftp: exit 1 after the bound (${bound} s), naming it; nothing written on either side`, async () => {
    const dir = await userDir(sshd.user, 'silent-sftp-get');
    const r = await runCli(['get', ...flags(), ...(bound === 10 ? [] : START), '--protocol', 'sftp', remote(sshd, sshd.user, `${dir}/f`)], { timeoutMs: 60_000 });
    expect({ status: r.status, stdout: r.stdout.length, stderr: r.stderr }).toEqual({
      status: 1,
      stdout: 0,
      stderr: silentSaid(bound),
    });
    expect(r.ms).toBeGreaterThanOrEqual(bound * 1_000);
    expect(await readdir(dir)).toEqual([]);
  }, 90_000);

  it('auto: goes on over SCP after the bound, the file whole and alone', async () => {
    const dir = await userDir(sshd.user, 'silent-sftp-put');
    const r = await runCli(['put', ...flags(), ...START, '-v', remote(sshd, sshd.user, `${dir}/f`)], { stdin: 'hello\n', timeoutMs: 60_000 });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('scpipe: protocol: scp (the sftp subsystem sent no SFTP version in 2 s');
    expect(await readFile(join(dir, 'f'), 'utf8')).toBe('hello\n');
    expect(await readdir(dir)).toEqual(['f']);
  }, 90_000);
});

// A client of the user's master says nothing of the session's start itself: the master's answer marks it.
describe('a subsystem that never speaks, --transport openssh through a ControlMaster', () => {
  const control = (): string[] => ['-o', `ControlPath=${join(wrapperDir, 'cm')}`];
  beforeAll(() => {
    const master = spawnSync('ssh', [...sshd.sshArgs(sshd.user), ...control(), '-o', 'ControlMaster=yes', '-o', 'ControlPersist=yes', '-N', '-f', '127.0.0.1'], { timeout: 30_000 });
    expect(master.status).toBe(0);
  });
  // Ended as a user would, by its control socket.
  afterAll(() => void spawnSync('ssh', [...sshd.sshArgs(sshd.user), ...control(), '-O', 'exit', '127.0.0.1'], { timeout: 30_000 }));

  it('--protocol sftp: exit 1 after the bound, naming it; nothing written', async () => {
    const dir = await userDir(sshd.user, 'silent-sftp-mux');
    const r = await runCli(['get', '--transport', 'openssh', ...START, ...sshFlags(sshd, sshd.user, control()), '--protocol', 'sftp', remote(sshd, sshd.user, `${dir}/f`)], { timeoutMs: 60_000 });
    expect({ status: r.status, stdout: r.stdout.length, stderr: r.stderr }).toEqual({
      status: 1,
      stdout: 0,
      stderr: silentSaid(2),
    });
    expect(await readdir(dir)).toEqual([]);
  }, 90_000);
});
