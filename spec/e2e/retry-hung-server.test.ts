// A server that hangs (its sshd stopped: a host in swap death) is found by the
// keepalives; the retry then connects to a listener whose kernel accepts the
// TCP connection but which never sends its banner. Without ConnectTimeout
// and without BatchMode, that reconnection was waited for as long as the
// server stayed hung, with "retry 1 of 1 in 1 s" the last word for hours.
// No one is asked in a reconnection's key exchange, so it is bounded (30 s),
// with either transport: for the system ssh, each retry is a new ssh process,
// which gets ConnectTimeout 30 unless the user set one. The tests wait out
// a shortened default (SHORT_HANDSHAKE); handshake-clock.test.ts pins the 30 s.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SOMEONE_TO_ASK, remote, startCli } from '../helpers/cli';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { stallingInput, tempWithBytes } from '../helpers/upload-temp';
import { knownHostsFor } from '../helpers/latency-proxy';
import { killAll } from '../helpers/drop-connections';
import { startLoginStallProxy } from '../helpers/login-stall-proxy';
import { SHORT_CONNECT_TIMEOUT_S, SHORT_HANDSHAKE } from '../helpers/short-waits';

const sshd = sshdPerSuite();

async function listenerPids(): Promise<number[]> {
  const { stdout } = await promisify(execFile)('pgrep', ['-f', `${sshd.dir}/sshd_config`]).catch(() => ({ stdout: '' }));
  return stdout.split('\n').filter(Boolean).map(Number);
}

it('without ConnectTimeout or BatchMode, the retry\'s reconnection to a hung sshd ends after 30 s, saying so', async () => {
  await sshd.setRsshAllowed(['scp', 'sftp']);
  const dir = await userDir(sshd.rssh, 'retry-hung');
  const input = stallingInput();
  const flags = ['-P', String(sshd.port), '-i', sshd.rssh.keyPath, '-o', `UserKnownHostsFile=${sshd.knownHostsPath}`, '-o', 'StrictHostKeyChecking=yes', '-F', 'none',
    '-o', 'ServerAliveInterval=1', '-o', 'ServerAliveCountMax=2', '--retries', '1'];
  const run = startCli(['put', '-s', ...flags, remote(sshd, sshd.rssh, `${dir}/f`)], { stdin: input, timeoutMs: 90_000, env: SHORT_HANDSHAKE });
  const stopped: number[] = [];
  try {
    await tempWithBytes(dir, 'f');
    stopped.push(...(await listenerPids()), ...(await sshd.connectionPids()));
    expect(stopped.length).toBeGreaterThan(1);
    killAll(stopped, 'SIGSTOP');
    const r = await run.done;
    expect(r.stderr).toContain(`1 retry failed too, the last: scpipe-rssh@127.0.0.1: timed out during the SSH handshake (ConnectTimeout ${SHORT_CONNECT_TIMEOUT_S} s, the default for a reconnection)`);
    expect(r.status).toBe(1);
  } finally {
    killAll(stopped, 'SIGCONT');
    input.destroy();
  }
}, 120_000);

// The same after the key exchange: a reconnection whose server never answers
// the login (its PAM or LDAP hung) had no bound at all without BatchMode, as
// someone could be asked there. It is bounded as the handshake is, the clock
// stopped only while a question waits for the person (SOMEONE_TO_ASK).
it('without ConnectTimeout or BatchMode, a reconnection whose server never answers the login ends after 30 s, saying so', async () => {
  await sshd.setRsshAllowed(['scp', 'sftp']);
  const dir = await userDir(sshd.rssh, 'retry-login');
  const proxy = await startLoginStallProxy(sshd.port);
  const local = await mkdtemp(join(tmpdir(), 'scpipe-test-login-stall-'));
  const input = stallingInput();
  try {
    const flags = ['-P', String(proxy.port), '-i', sshd.rssh.keyPath, '-o', `UserKnownHostsFile=${knownHostsFor(sshd, proxy.port, join(local, 'known_hosts'))}`,
      '-o', 'StrictHostKeyChecking=yes', '-F', 'none', '-o', 'ServerAliveInterval=1', '-o', 'ServerAliveCountMax=2', '--retries', '1'];
    const run = startCli(['put', '-s', ...flags, remote(sshd, sshd.rssh, `${dir}/f`)], { stdin: input, timeoutMs: 90_000, env: { ...SOMEONE_TO_ASK, ...SHORT_HANDSHAKE } });
    await tempWithBytes(dir, 'f');
    proxy.stall();
    const started = Date.now();
    const r = await run.done;
    expect(proxy.stalledLogins()).toBe(1);
    expect(r.stderr).toContain(`1 retry failed too, the last: scpipe-rssh@127.0.0.1: timed out during the SSH login: the server finished the key exchange, then did not answer for ${SHORT_CONNECT_TIMEOUT_S} s (ConnectTimeout ${SHORT_CONNECT_TIMEOUT_S} s, the default for a reconnection)`);
    expect(r.status).toBe(1);
    expect(Date.now() - started).toBeLessThan(60_000);
  } finally {
    input.destroy();
    await proxy.close();
    await rm(local, { recursive: true, force: true });
  }
}, 120_000);

describe('--transport openssh', () => {
  it('without ConnectTimeout, the retry\'s reconnection to a hung sshd ends after 30 s, saying so', async () => {
    await sshd.setRsshAllowed(['scp', 'sftp']);
    const dir = await userDir(sshd.rssh, 'retry-hung-openssh');
    const input = stallingInput();
    const flags = ['--transport', 'openssh', '-P', String(sshd.port), '-i', sshd.rssh.keyPath, '-o', `UserKnownHostsFile=${sshd.knownHostsPath}`, '-o', 'StrictHostKeyChecking=yes', '-F', 'none',
      '-o', 'ServerAliveInterval=1', '-o', 'ServerAliveCountMax=2', '--retries', '1'];
    const run = startCli(['put', '-s', ...flags, remote(sshd, sshd.rssh, `${dir}/f`)], { stdin: input, timeoutMs: 90_000, env: SHORT_HANDSHAKE });
    const stopped: number[] = [];
    try {
      await tempWithBytes(dir, 'f');
      stopped.push(...(await listenerPids()), ...(await sshd.connectionPids()));
      expect(stopped.length).toBeGreaterThan(1);
      killAll(stopped, 'SIGSTOP');
      const started = Date.now();
      const r = await run.done;
      expect(r.stderr).toContain(`1 retry failed too, the last: ssh: Connection timed out during banner exchange (ConnectTimeout ${SHORT_CONNECT_TIMEOUT_S} s, the default for a reconnection)`);
      expect(r.status).toBe(1);
      expect(Date.now() - started).toBeLessThan(60_000);
    } finally {
      killAll(stopped, 'SIGCONT');
      input.destroy();
    }
  }, 120_000);

  // ssh bounds each wait in the key exchange and the login by ServerAliveInterval ×
  // ServerAliveCountMax (on by default: openssh-defaults.ts), but says so only at LogLevel INFO.
  it('a reconnection whose server never answers the login ends, saying what ssh would not', async () => {
    await sshd.setRsshAllowed(['scp', 'sftp']);
    const dir = await userDir(sshd.rssh, 'retry-login-openssh');
    const proxy = await startLoginStallProxy(sshd.port);
    const local = await mkdtemp(join(tmpdir(), 'scpipe-test-login-stall-'));
    const input = stallingInput();
    try {
      const flags = ['--transport', 'openssh', '-P', String(proxy.port), '-i', sshd.rssh.keyPath, '-o', `UserKnownHostsFile=${knownHostsFor(sshd, proxy.port, join(local, 'known_hosts'))}`,
        '-o', 'StrictHostKeyChecking=yes', '-F', 'none', '-o', 'ServerAliveInterval=1', '-o', 'ServerAliveCountMax=2', '--retries', '1'];
      const run = startCli(['put', '-s', ...flags, remote(sshd, sshd.rssh, `${dir}/f`)], { stdin: input, timeoutMs: 90_000 });
      await tempWithBytes(dir, 'f');
      proxy.stall();
      const started = Date.now();
      const r = await run.done;
      expect(proxy.stalledLogins()).toBe(1);
      expect(r.stderr).toMatch(/1 retry failed too, the last: ssh: could not connect to 127\.0\.0\.1 \(exit status 255 after \d+ s, without a word: ssh ends so when the server does not answer the key exchange or the login for ServerAliveInterval × ServerAliveCountMax, 2 s, or closes the connection\)/);
      expect(r.status).toBe(1);
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      input.destroy();
      await proxy.close();
      await rm(local, { recursive: true, force: true });
    }
  }, 120_000);
});
