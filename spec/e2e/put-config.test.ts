// How users actually connect: Host aliases in ~/.ssh/config, default keys in
// ~/.ssh, known_hosts policies. Each test gets its own HOME.
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { readdir } from 'node:fs/promises';
import { remote, runCli, sshFlags } from '../helpers/cli';

const sshd = sshdPerSuite();
let home: string;
let dir: string;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'scpipe-test-home-'));
  await mkdir(join(home, '.ssh'), { mode: 0o700 });
  dir = await userDir(sshd.rssh, 'cfg');
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

const env = (): NodeJS.ProcessEnv => ({ HOME: home });

describe('put with ~/.ssh set up like a user has it', () => {
  it('resolves a Host alias (HostName, Port, User, IdentityFile, UserKnownHostsFile)', async () => {
    await writeFile(
      join(home, '.ssh', 'config'),
      [
        'Host vault',
        '  HostName 127.0.0.1',
        `  Port ${sshd.port}`,
        `  User ${sshd.rssh.name}`,
        `  IdentityFile ${sshd.rssh.keyPath}`,
        `  UserKnownHostsFile ${sshd.knownHostsPath}`,
        '  BatchMode yes',
        '',
      ].join('\n'),
    );
    const r = await runCli(['put', `vault:${dir}/alias.txt`], { stdin: 'via alias', env: env() });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(await readFile(join(dir, 'alias.txt'), 'utf8')).toBe('via alias');
  });

  it('uses the default ~/.ssh/id_ed25519 and ~/.ssh/known_hosts', async () => {
    await copyFile(sshd.rssh.keyPath, join(home, '.ssh', 'id_ed25519'));
    await copyFile(sshd.knownHostsPath, join(home, '.ssh', 'known_hosts'));
    const r = await runCli(['put', '-P', String(sshd.port), '-o', 'BatchMode=yes', `${sshd.rssh.name}@127.0.0.1:${dir}/default.txt`], {
      stdin: 'default key',
      env: env(),
    });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(await readFile(join(dir, 'default.txt'), 'utf8')).toBe('default key');
  });

  // HashKnownHosts is given both ways, so that the machine's /etc/ssh/ssh_config (Debian's says yes) does not decide.
  it.each(['no', 'yes'])('StrictHostKeyChecking=accept-new records an unknown key (HashKnownHosts=%s) and then trusts it', async (hash) => {
    const known = join(home, '.ssh', 'known_hosts');
    const args = (name: string) => [
      'put', '-P', String(sshd.port), '-i', sshd.rssh.keyPath, '-o', 'StrictHostKeyChecking=accept-new', '-o', 'BatchMode=yes',
      '-o', `HashKnownHosts=${hash}`, `${sshd.rssh.name}@127.0.0.1:${dir}/${name}`,
    ];
    const first = await runCli(args('a'), { stdin: 'a', env: env() });
    expect(first.status).toBe(0);
    const text = await readFile(known, 'utf8');
    expect(text).toMatch(hash === 'no' ? new RegExp(`^\\[127\\.0\\.0\\.1\\]:${sshd.port} ssh-ed25519 `) : /^\|1\|[A-Za-z0-9+/=]{28}\|[A-Za-z0-9+/=]{28} ssh-ed25519 /);
    const second = await runCli(args('b'), { stdin: 'b', env: env() });
    expect(second).toMatchObject({ status: 0 });
  });

  it('refuses a changed host key even with accept-new, naming the known_hosts line', async () => {
    const known = join(home, '.ssh', 'known_hosts');
    const real = await readFile(sshd.knownHostsPath, 'utf8');
    const fakeKey = 'AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
    await writeFile(known, real.replace(/ssh-ed25519 \S+/, `ssh-ed25519 ${fakeKey}`));
    const r = await runCli(
      ['put', '-P', String(sshd.port), '-i', sshd.rssh.keyPath, '-o', 'StrictHostKeyChecking=accept-new', '-o', 'BatchMode=yes', `${sshd.rssh.name}@127.0.0.1:${dir}/x`],
      { stdin: 'x', env: env() },
    );
    expect(r.status).toBe(255);
    expect(r.stderr).toContain(sshd.hostKeyFingerprint);
    expect(r.stderr).toContain(`${known}:1`);
  });
  it('ignores a private key that others can read, as ssh does, and says so', async () => {
    const key = join(home, '.ssh', 'id_ed25519');
    await copyFile(sshd.rssh.keyPath, key);
    await chmod(key, 0o644);
    const args = ['put', '-P', String(sshd.port), '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${sshd.knownHostsPath}`, `${sshd.rssh.name}@127.0.0.1:${dir}/open.txt`];
    const r = await runCli(args, { stdin: 'x', env: env() });
    expect(r.status).toBe(255);
    expect(r.stderr).toContain(`Permissions 0644 for '${key}' are too open`);
    expect(await readdir(dir)).toEqual([]);
    await chmod(key, 0o600);
    expect(await runCli(args, { stdin: 'x', env: env() })).toMatchObject({ status: 0, stderr: '' });
    // A public key given as IdentityFile is not a private key: no warning for its 0644.
    await writeFile(`${key}.pub`, `${sshd.rssh.publicKey}\n`, { mode: 0o644 });
    const withPub = await runCli([...args.slice(0, -1), '-i', `${key}.pub`, '-i', key, args[args.length - 1]], { stdin: 'x', env: env() });
    expect(withPub).toMatchObject({ status: 0, stderr: '' });
  });
  it('Permission denied names the identity files that were not offered, and why', async () => {
    const enc = join(home, '.ssh', 'enc');
    await copyFile(sshd.rssh.keyPath, enc);
    expect(spawnSync('ssh-keygen', ['-q', '-p', '-N', 'secret', '-f', enc]).status).toBe(0);
    const missing = join(home, '.ssh', 'missing');
    const r = await runCli(
      ['put', '-P', String(sshd.port), '-i', missing, '-i', enc, '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${sshd.knownHostsPath}`, `${sshd.rssh.name}@127.0.0.1:${dir}/x`],
      { stdin: 'x', env: env() },
    );
    expect(r.status).toBe(255);
    expect(r.stderr).toBe(
      `scpipe: ${sshd.rssh.name}@127.0.0.1: Permission denied (tried none; the server accepts publickey); not offered: ${missing} (no such file), ` +
        `${enc} (encrypted, and BatchMode forbids asking for its passphrase)\n`,
    );
  });
  // A first login with no key anywhere (no agent, no ~/.ssh/id_*, no -i) said
  // only "tried none; the server accepts publickey", as ssh does: not what to do.
  it('Permission denied with no key to offer says where one is given', async () => {
    const r = await runCli(
      ['put', '-P', String(sshd.port), '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${sshd.knownHostsPath}`, `${sshd.rssh.name}@127.0.0.1:${dir}/x`],
      { stdin: 'x', env: env() },
    );
    expect(r).toMatchObject({
      status: 255,
      stderr: `scpipe: ${sshd.rssh.name}@127.0.0.1: Permission denied (tried none; the server accepts publickey); no key to offer: give one with -i FILE (or IdentityFile in ~/.ssh/config), or add it to ssh-agent\n`,
    });
  });
  it('skips a known_hosts file it cannot read (a directory here; root-only elsewhere), as ssh does', async () => {
    const args = [
      'put', '-P', String(sshd.port), '-i', sshd.rssh.keyPath, '-o', 'BatchMode=yes',
      '-o', `UserKnownHostsFile=${home} ${sshd.knownHostsPath}`, '-o', `GlobalKnownHostsFile=${home}`, `${sshd.rssh.name}@127.0.0.1:${dir}/unreadable`,
    ];
    expect(await runCli(args, { stdin: 'x', env: env() })).toMatchObject({ status: 0, stderr: '' });
  });
});

describe('put with algorithm lists (Ciphers, KexAlgorithms, MACs, HostKeyAlgorithms)', () => {
  it('negotiates what -o asks for, and says so with -v', async () => {
    const flags = sshFlags(sshd, sshd.rssh, ['-o', 'Ciphers=aes256-ctr', '-o', 'MACs=hmac-sha2-256-etm@openssh.com', '-o', 'KexAlgorithms=^ecdh-sha2-nistp256']);
    const r = await runCli(['put', '-v', ...flags, remote(sshd, sshd.rssh, `${dir}/algos.txt`)], { stdin: 'chosen algorithms', env: env() });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('scpipe: kex ecdh-sha2-nistp256, host key ssh-ed25519, cipher aes256-ctr, mac hmac-sha2-256-etm@openssh.com, compression none\n');
    expect(await readFile(join(dir, 'algos.txt'), 'utf8')).toBe('chosen algorithms');
  });

  it('refuses a name ssh2 does not know: exit 255, says which, writes nothing', async () => {
    const flags = sshFlags(sshd, sshd.rssh, ['-o', 'Ciphers=^rot13-cbc']);
    const r = await runCli(['put', ...flags, remote(sshd, sshd.rssh, `${dir}/never.txt`)], { stdin: 'x', env: env() });
    expect(r.status).toBe(255);
    expect(r.stderr).toBe('scpipe: Unsupported algorithm: rot13-cbc (Ciphers; ssh2 supports fewer than OpenSSH: try --transport openssh)\n');
    expect(await readdir(dir)).toEqual([]);
  });

  it('fails the handshake when the server accepts none of them: exit 255, names what did not match', async () => {
    const flags = sshFlags(sshd, sshd.rssh, ['-o', 'Ciphers=3des-cbc']); // ssh2 has it, OpenSSH 9 no longer offers it
    const r = await runCli(['put', ...flags, remote(sshd, sshd.rssh, `${dir}/never.txt`)], { stdin: 'x', env: env() });
    expect(r.status).toBe(255);
    expect(r.stderr).toMatch(/^scpipe: .*no matching C->S cipher\n$/);
    expect(await readdir(dir)).toEqual([]);
  });
});
