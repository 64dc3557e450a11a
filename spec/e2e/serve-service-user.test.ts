// `scpipe serve` as a service account runs it: an ordinary uid (here one with
// no passwd entry, as systemd's DynamicUser= or a container gives), with a
// bare environment. Run through setpriv, as client-env.test.ts runs put.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../helpers/async';
import { cliForAnyUserPerSuite } from '../helpers/cli-for-any-user';
import { tempDirPerTest } from '../helpers/temp-dir';

const local = tempDirPerTest('scpipe-test-serveuser-');
const UID = 54323;
const copy = cliForAnyUserPerSuite();

beforeAll(() => {
  if (spawnSync('getent', ['passwd', String(UID)]).status === 0) throw new Error(`uid ${UID} has a passwd entry here: this test needs one that has none`);
});

// The command line to run `scpipe serve ARGS` as UID.
function asUid(args: string[]): string[] {
  return ['--reuid', String(UID), '--regid', String(UID), '--clear-groups', process.execPath, copy(), 'serve', ...args];
}

// A root and an authorized_keys file of UID's own, in this test's directory.
function rootAndKeys(): { root: string; keys: string } {
  const root = join(local(), 'root');
  const keys = join(local(), 'authorized_keys');
  mkdirSync(root);
  execFileSync('ssh-keygen', ['-q', '-N', '', '-t', 'ed25519', '-f', join(local(), 'id'), '-C', 'client']);
  renameSync(join(local(), 'id.pub'), keys);
  for (const p of [local(), root, keys]) chownSync(p, UID, UID);
  return { root, keys };
}

// Runs serve as UID with exactly `env` (PATH added) until it exits, for the refusals before it listens.
function serveRefusal(args: string[], env: Record<string, string> = {}): { status: number | null; stderr: string } {
  const r = spawnSync('setpriv', asUid(args), { cwd: local(), env: { PATH: process.env.PATH!, ...env }, encoding: 'utf8', timeout: 30000 });
  return { status: r.status, stderr: r.stderr };
}

describe('serve as a uid with no home', () => {
  it('says the generated host key has no place and to give --host-key (exit 2), not advice about ~/.ssh', () => {
    const { root, keys } = rootAndKeys();
    const r = serveRefusal(['--root', root, '--authorized-keys', keys, '--addr', '127.0.0.1:0']);
    expect(r.stderr).toBe(`scpipe: cannot tell where to keep a generated host key (~/.cache/scpipe): HOME is not set and uid ${UID} has no home in the passwd file; give one with --host-key FILE\n`);
    expect(r.status).toBe(2);
  });

  it('without --authorized-keys, says to name them (exit 2)', () => {
    const { root } = rootAndKeys();
    const r = serveRefusal(['--root', root, '--addr', '127.0.0.1:0']);
    expect(r.stderr).toBe(`scpipe: cannot tell where ~/.ssh/authorized_keys is: HOME is not set and uid ${UID} has no home in the passwd file; name the keys with --authorized-keys FILE\n`);
    expect(r.status).toBe(2);
  });
});

describe('serve with a relative XDG_CACHE_HOME', () => {
  it('ignores it, as XDG asks, and keeps the key in ~/.cache, not below the directory it started in', async () => {
    const { root, keys } = rootAndKeys();
    const home = join(local(), 'home');
    mkdirSync(home);
    chownSync(home, UID, UID);
    const child = spawn('setpriv', asUid(['--root', root, '--authorized-keys', keys, '--addr', '127.0.0.1:0']), {
      cwd: local(),
      env: { PATH: process.env.PATH!, HOME: home, XDG_CACHE_HOME: 'cache' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
    await waitFor(() => /host key/.test(log) || child.exitCode !== null, 'the host key line');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(log).toMatch(new RegExp(`host key SHA256:\\S+ \\(generated ${join(home, '.cache', 'scpipe', 'serve_host_ed25519_key')}\\)`));
    expect(existsSync(join(local(), 'cache'))).toBe(false);
    expect(readdirSync(join(home, '.cache', 'scpipe')).sort()).toEqual(['serve_host_ed25519_key', 'serve_host_ed25519_key.pub']);
  });
});

describe('serve with a root its uid may not enter', () => {
  it('refuses it at start (exit 2), naming the uid, before it listens and fails every request', () => {
    const { root, keys } = rootAndKeys();
    chownSync(root, 0, 0);
    chmodSync(root, 0o700);
    const r = serveRefusal(['--root', root, '--authorized-keys', keys, '--host-key', '/nonexistent', '--addr', '127.0.0.1:0'], { HOME: local() });
    expect(r.stderr).toBe(`scpipe: bad --root: server root ${root}: Permission denied (to uid ${UID}, which serve runs as)\n`);
    expect(r.status).toBe(2);
  });
});

describe('serve on a low port as an ordinary uid', () => {
  it('says why the kernel refused it and which ports it may use (exit 255)', () => {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8'));
    if (!(first > 1)) throw new Error(`net.ipv4.ip_unprivileged_port_start is ${first} here: this test needs port 1 to be a privileged one`);
    const { root, keys } = rootAndKeys();
    const r = serveRefusal(['--root', root, '--authorized-keys', keys, '--addr', '127.0.0.1:1'], { HOME: local() });
    expect(r.stderr).toBe(`scpipe: cannot listen on 127.0.0.1:1: Permission denied: ports below ${first} need root or CAP_NET_BIND_SERVICE; give a port of ${first} or above\n`);
    expect(r.status).toBe(255);
  });
});

// An ed25519 host key of UID's own in this test's directory.
function hostKeyOfUid(): string {
  const key = join(local(), 'host_key');
  execFileSync('ssh-keygen', ['-q', '-N', '', '-t', 'ed25519', '-f', key, '-C', 'host']);
  chownSync(key, UID, UID);
  return key;
}

describe('serve with files its uid may not read or make', () => {
  it('names the uid when the host key is root\'s (exit 2), so that the fix is to give it to that user', () => {
    const { root, keys } = rootAndKeys();
    const key = hostKeyOfUid();
    chownSync(key, 0, 0);
    const r = serveRefusal(['--root', root, '--authorized-keys', keys, '--host-key', key, '--addr', '127.0.0.1:0']);
    expect(r.stderr).toBe(`scpipe: cannot read host key ${key}: Permission denied (to uid ${UID}, which serve runs as)\n`);
    expect(r.status).toBe(2);
  });

  it('names the uid when the keys file is root\'s (exit 2)', () => {
    const { root, keys } = rootAndKeys();
    chownSync(keys, 0, 0);
    chmodSync(keys, 0o600);
    const r = serveRefusal(['--root', root, '--authorized-keys', keys, '--host-key', hostKeyOfUid(), '--addr', '127.0.0.1:0']);
    expect(r.stderr).toBe(`scpipe: cannot read authorized keys ${keys}: Permission denied (to uid ${UID}, which serve runs as)\n`);
    expect(r.status).toBe(2);
  });

  it('names the uid, --state-dir and StateDirectory= when the default state directory cannot be made in a home it may not write (exit 2)', () => {
    const { root, keys } = rootAndKeys();
    const home = join(local(), 'roots-home');
    mkdirSync(home, { mode: 0o755 });
    const r = serveRefusal(['--root', root, '--authorized-keys', keys, '--host-key', hostKeyOfUid(), '--addr', '127.0.0.1:0', '--append-only'], { HOME: home });
    expect(r.stderr).toBe(
      `scpipe: cannot use the default state directory ${join(home, '.local', 'state', 'scpipe')}: Permission denied (to uid ${UID}, which serve runs as); ` +
        'give one with --state-dir DIR, or add StateDirectory=scpipe to the systemd unit that runs serve\n',
    );
    expect(r.status).toBe(2);
    expect(existsSync(join(home, '.local'))).toBe(false);
  });

  it('names the uid when the keys file is replaced by one of root\'s while it runs, and takes it once given back', async () => {
    const { root, keys } = rootAndKeys();
    const child = spawn('setpriv', asUid(['--root', root, '--authorized-keys', keys, '--host-key', hostKeyOfUid(), '--addr', '127.0.0.1:0']), {
      cwd: local(),
      env: { PATH: process.env.PATH! },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
    try {
      await waitFor(() => /listening on 127\.0\.0\.1:\d+/.test(log) || child.exitCode !== null, 'the listening line');
      const port = /listening on 127\.0\.0\.1:(\d+)/.exec(log)![1];
      // As an editor or a configuration tool run as root replaces a file: a new one, root's, 0600.
      const fresh = join(local(), 'authorized_keys.new');
      execFileSync('cp', [keys, fresh]);
      chmodSync(fresh, 0o600);
      renameSync(fresh, keys);
      const upload = (): number | null =>
        spawnSync('sftp', ['-b', '-', '-P', port, '-i', join(local(), 'id'), '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', 'backup@127.0.0.1'], {
          input: 'put /etc/hostname h\n',
          encoding: 'utf8',
          timeout: 30000,
        }).status;
      expect(upload()).not.toBe(0);
      await waitFor(() => log.includes('cannot read authorized keys'), 'the line of the keys file it cannot read');
      expect(log).toContain(`scpipe: cannot read authorized keys ${keys}: Permission denied (to uid ${UID}, which serve runs as); every key is refused until it can be read\n`);
      chownSync(keys, UID, UID);
      expect(upload()).toBe(0);
      await waitFor(() => log.includes('changed:'), 'the line of the keys file read again');
      expect(log).toContain(`scpipe: ${keys} changed: 1 key from now on\n`);
      expect(readFileSync(join(root, 'h'), 'utf8')).toBe(readFileSync('/etc/hostname', 'utf8'));
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
