// The ssh_config keywords the ssh2 transport honours, against real sshds:
// ProxyJump through a second sshd (host keys checked at each hop),
// ProxyCommand, AddressFamily on ::1, Compression, Ciphers, and the
// bandwidth limit.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bandwidthLimit, put } from '../../lib';
import { userDir } from '../helpers/sshd';
import { waitFor } from '../helpers/async';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { processesWith } from '../helpers/processes';

const sshd = sshdPerSuite();
const jump = sshdPerSuite({ jumpHost: true });
let dir: string;
let cfg: string;
beforeEach(async () => {
  dir = await userDir(sshd.rssh, 'opts');
  cfg = join(dir, 'ssh_config');
  await writeConfig(jump.knownHostsPath);
});

// -F for the run: the jump host's alias and the known_hosts of both servers.
async function writeConfig(jumpKnownHosts: string): Promise<void> {
  await writeFile(cfg, [
    'Host jumphost',
    '  HostName 127.0.0.1',
    `  Port ${jump.port}`,
    `  User ${jump.user.name}`,
    `  IdentityFile ${jump.user.keyPath}`,
    `  UserKnownHostsFile ${jumpKnownHosts}`,
    'Host noforward', // the target's sshd itself: AllowTcpForwarding no
    '  HostName 127.0.0.1',
    `  Port ${sshd.port}`,
    `  User ${sshd.user.name}`,
    `  IdentityFile ${sshd.user.keyPath}`,
    'Host *',
    `  UserKnownHostsFile ${sshd.knownHostsPath}`,
    '  GlobalKnownHostsFile /dev/null',
    '  StrictHostKeyChecking yes',
    '  IdentityAgent none',
    '  BatchMode yes',
    '',
  ].join('\n'));
}

const target = (options: string[], host = '127.0.0.1') => ({
  host, port: sshd.port, user: sshd.rssh.name, identityFiles: [sshd.rssh.keyPath], configFile: cfg, options,
});

describe('ssh2 transport options against real sshds', () => {
  it('ProxyJump: reaches the target through a direct-tcpip channel of the jump host', async () => {
    const log: string[] = [];
    const result = await put({ ...target(['ProxyJump=jumphost']), log: (l) => log.push(l) }, `${dir}/via-jump`, Buffer.from('jumped'));
    expect(result.bytes).toBe(6n);
    expect(await readFile(join(dir, 'via-jump'), 'utf8')).toBe('jumped');
    // Both host keys were checked, the jump host's first.
    const text = log.join('\n');
    expect(text).toContain(`jumping through jumphost to 127.0.0.1 port ${sshd.port}`);
    const jumpKey = text.indexOf(`Host '[127.0.0.1]:${jump.port}' is known and matches`);
    const targetKey = text.indexOf(`Host '[127.0.0.1]:${sshd.port}' is known and matches`);
    expect(jumpKey).toBeGreaterThan(-1);
    expect(targetKey).toBeGreaterThan(jumpKey);
  });

  it('ProxyJump: a wrong jump host key is refused before anything reaches the target', async () => {
    const wrong = join(dir, 'wrong_known_hosts');
    const real = await readFile(jump.knownHostsPath, 'utf8');
    await writeFile(wrong, real.replace(/ssh-ed25519 \S+/, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl'));
    await writeConfig(wrong);
    const err = await put(target(['ProxyJump=jumphost']), `${dir}/never`, Buffer.from('x')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_HOST_KEY_CHANGED', message: expect.stringContaining(`[127.0.0.1]:${jump.port}`) });
    await expect(readFile(join(dir, 'never'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  // A jump host whose sshd forbids forwarding: the refusal's reason, in
  // OpenSSH's words (`channel 0: open failed: administratively prohibited: open
  // failed`); it was ssh2's "(SSH) Channel open failure: open failed", which
  // reads as if the target were down.
  it('ProxyJump: a jump host that forbids forwarding is said to, as ssh says it', async () => {
    const err = await put(target(['ProxyJump=noforward']), `${dir}/never`, Buffer.from('x')).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'ERR_CONNECT',
      message: `jump host noforward could not connect to 127.0.0.1 port ${sshd.port}: administratively prohibited: open failed`,
    });
    await expect(readFile(join(dir, 'never'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('ProxyCommand: the command\'s stdio is the connection', async () => {
    const proxy = `ssh -F ${cfg} -W %h:%p jumphost`;
    await put(target([`ProxyCommand=${proxy}`]), `${dir}/via-command`, Buffer.from('proxied'));
    expect(await readFile(join(dir, 'via-command'), 'utf8')).toBe('proxied');
  });

  it('ProxyCommand: a command that never connects is stopped at ConnectTimeout, itself and not only its shell', async () => {
    const marker = `${process.pid}${Date.now() % 100000}`; // a sleep of its own, found by its command line
    await expect(put(target(['ConnectTimeout=1', `ProxyCommand=sleep ${marker}`]), `${dir}/never-proxied`, Buffer.from('x'))).rejects.toMatchObject({ code: 'ERR_CONNECT_TIMEOUT' });
    try {
      await waitFor(() => processesWith(marker, 'sleep').length === 0, 'the ProxyCommand to end');
    } finally {
      for (const pid of processesWith(marker, 'sleep')) process.kill(pid); // a stray would hold the test run's stderr open
    }
  });

  it('Compression and Ciphers are agreed as asked', async () => {
    const log: string[] = [];
    await put({ ...target(['Compression=yes', 'Ciphers=aes128-ctr']), log: (l) => log.push(l) }, `${dir}/z`, Buffer.alloc(10_000));
    expect(log.join('\n')).toMatch(/cipher aes128-ctr, .*compression zlib@openssh\.com/);
  });

  // The test sshd listens on ::1 where the machine has IPv6 loopback (hasIpv6Loopback()).
  it('AddressFamily: inet6 reaches ::1, inet refuses it', async () => {
    const kh = join(dir, 'kh6');
    await writeFile(kh, (await readFile(sshd.knownHostsPath, 'utf8')).replace('[127.0.0.1]', '[::1]'));
    await put(target([`UserKnownHostsFile=${kh}`, 'AddressFamily=inet6'], '::1'), `${dir}/v6`, Buffer.from('six'));
    expect(await readFile(join(dir, 'v6'), 'utf8')).toBe('six');
    await expect(put(target([`UserKnownHostsFile=${kh}`, 'AddressFamily=inet'], '::1'), `${dir}/v4`, Buffer.from('x')))
      .rejects.toMatchObject({ code: 'ERR_CONNECT', message: expect.stringMatching(/not an IPv4 address/) });
  });

  it('a bandwidth limit holds a put to its rate', async () => {
    const started = performance.now();
    await put({ ...target([]), bandwidth: bandwidthLimit(4000) }, `${dir}/slow`, Buffer.alloc(1_000_000)); // 500 000 B/s
    const seconds = (performance.now() - started) / 1000;
    expect(seconds).toBeGreaterThan(1.7);
    expect(seconds).toBeLessThan(3.5);
  });
});
