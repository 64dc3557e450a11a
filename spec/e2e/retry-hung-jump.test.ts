// A retry through a ProxyJump host that hung: the jump host's own connection
// is a reconnection too (it got through its login for the first attempt),
// so it is bounded as the target's is. It was set up as a first connection,
// someone possibly to be asked, and without ConnectTimeout or BatchMode a
// jump host whose PAM or LDAP hung held the retry for as long as it stayed hung.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SOMEONE_TO_ASK, remote, runCli, startCli } from '../helpers/cli';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { stallingInput, tempWithBytes } from '../helpers/upload-temp';
import { knownHostsFor } from '../helpers/latency-proxy';
import { startLoginStallProxy } from '../helpers/login-stall-proxy';
import { SHORT_CONNECT_TIMEOUT_S, SHORT_HANDSHAKE } from '../helpers/short-waits';

const sshd = sshdPerSuite();
const jump = sshdPerSuite({ jumpHost: true });

/** An ssh_config in `local` naming `jumphost` (at `port`, its key in `knownHosts`), with `extra` lines for every host. */
async function jumpConfig(local: string, port: number, knownHosts: string, extra: string[] = []): Promise<string> {
  const cfg = join(local, 'ssh_config');
  await writeFile(cfg, [
    'Host jumphost',
    '  HostName 127.0.0.1',
    `  Port ${port}`,
    `  User ${jump.user.name}`,
    `  IdentityFile ${jump.user.keyPath}`,
    `  UserKnownHostsFile ${knownHosts}`,
    'Host *',
    ...extra,
    '  GlobalKnownHostsFile /dev/null',
    '  StrictHostKeyChecking yes',
    '  IdentityAgent none',
    '',
  ].join('\n'));
  return cfg;
}

/** To the target's scp-only account through `jumphost`, with a keepalive that gives up after 2 s. */
function throughJump(cfg: string): string[] {
  return ['-P', String(sshd.port), '-i', sshd.rssh.keyPath, '-F', cfg, '-o', 'ProxyJump=jumphost',
    '-o', 'ServerAliveInterval=1', '-o', 'ServerAliveCountMax=2'];
}

// The 30 s are shortened here (SHORT_HANDSHAKE); handshake-clock.test.ts pins them.
it('without ConnectTimeout or BatchMode, a retry whose jump host never answers the login ends after 30 s, saying so', async () => {
  await sshd.setRsshAllowed(['scp', 'sftp']);
  const dir = await userDir(sshd.rssh, 'retry-jump');
  const proxy = await startLoginStallProxy(jump.port);
  const local = await mkdtemp(join(tmpdir(), 'scpipe-test-jump-stall-'));
  const input = stallingInput();
  try {
    // The jump host's connection keeps alive too: the first attempt's loss is found at once.
    const cfg = await jumpConfig(local, proxy.port, knownHostsFor(jump, proxy.port, join(local, 'known_hosts')),
      [`  UserKnownHostsFile ${sshd.knownHostsPath}`, '  ServerAliveInterval 1', '  ServerAliveCountMax 2']);
    const flags = [...throughJump(cfg), '--retries', '1'];
    const run = startCli(['put', '-s', ...flags, remote(sshd, sshd.rssh, `${dir}/f`)], { stdin: input, timeoutMs: 90_000, env: { ...SOMEONE_TO_ASK, ...SHORT_HANDSHAKE } });
    await tempWithBytes(dir, 'f');
    proxy.stall();
    const started = Date.now();
    const r = await run.done;
    expect(proxy.stalledLogins()).toBe(1);
    expect(r.stderr).toContain(`1 retry failed too, the last: ${jump.user.name}@127.0.0.1: timed out during the SSH login: the server finished the key exchange, then did not answer for ${SHORT_CONNECT_TIMEOUT_S} s (ConnectTimeout ${SHORT_CONNECT_TIMEOUT_S} s, the default for a reconnection)`);
    expect(r.status).toBe(1);
    expect(Date.now() - started).toBeLessThan(60_000);
  } finally {
    input.destroy();
    await proxy.close();
    await rm(local, { recursive: true, force: true });
  }
}, 120_000);

// The jump host's own ssh_config sets no keepalive: ssh's -o options do not reach it.
it('a jump host that freezes mid-transfer: the run ends at the target keepalive, not held by the jump host connection', async () => {
  await sshd.setRsshAllowed(['scp', 'sftp']);
  const dir = await userDir(sshd.rssh, 'frozen-jump');
  const proxy = await startLoginStallProxy(jump.port);
  const local = await mkdtemp(join(tmpdir(), 'scpipe-test-jump-frozen-'));
  const input = stallingInput();
  try {
    const cfg = await jumpConfig(local, proxy.port, knownHostsFor(jump, proxy.port, join(local, 'known_hosts')),
      [`  UserKnownHostsFile ${sshd.knownHostsPath}`]);
    const flags = [...throughJump(cfg), '--retries', '0'];
    const run = startCli(['put', '-s', ...flags, remote(sshd, sshd.rssh, `${dir}/f`)], { stdin: input, timeoutMs: 90_000 });
    const temp = await tempWithBytes(dir, 'f');
    proxy.stall();
    const started = Date.now();
    const r = await run.done;
    expect(r.stderr).toBe(`scpipe: ${dir}/${temp}: write: the SFTP session ended: no answer from the server for 2 s (ServerAliveInterval 1 s × ServerAliveCountMax 2); the partial upload is left in ${dir}/${temp}\n`);
    expect(r.status).toBe(1);
    // Before, about 60 s: until the jump host connection's own keepalive (15 s × 3) gave up.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await readdir(dir)).toEqual([temp]);
  } finally {
    input.destroy();
    await proxy.close();
    await rm(local, { recursive: true, force: true });
  }
}, 120_000);

// A target that drops the jump host's SYNs (a listener whose queue is full): the jump host's
// connect would wait out its TCP timeout (minutes); ssh's ConnectTimeout covers this wait too.
it('a jump host whose connect to the target gets no answer: bounded by ConnectTimeout, saying so', async () => {
  const hole = spawn('python3', ['-c', [
    'import socket, sys, time',
    "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(0)",
    'port = s.getsockname()[1]',
    'fill = [socket.socket() for i in range(3)]',
    'for c in fill:',
    '    c.setblocking(False)',
    "    try: c.connect(('127.0.0.1', port))",
    '    except BlockingIOError: pass',
    'print(port, flush=True)',
    'time.sleep(120)',
  ].join('\n')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const local = await mkdtemp(join(tmpdir(), 'scpipe-test-jump-hole-'));
  try {
    const port = await new Promise<string>((resolve) => hole.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));
    const cfg = await jumpConfig(local, jump.port, jump.knownHostsPath);
    const started = Date.now();
    const r = await runCli(['put', '-s', '-P', port, '-i', sshd.rssh.keyPath, '-F', cfg, '-o', 'ProxyJump=jumphost', '-o', 'ConnectTimeout=2',
      '--retries', '0', `${sshd.rssh.name}@127.0.0.1:f`], { stdin: 'data', timeoutMs: 60_000 });
    expect(r.stderr).toBe(`scpipe: jump host jumphost could not connect to 127.0.0.1 port ${port}: no answer within 2 s (ConnectTimeout)\n`);
    expect(r.status).toBe(255);
    expect(Date.now() - started).toBeLessThan(15_000); // before: the jump host's TCP timeout, about 2 min
  } finally {
    hole.kill();
    await rm(local, { recursive: true, force: true });
  }
}, 90_000);
