import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isScpipeError, type ScpipeErrorCode } from '../../../lib/errors';
import { resolveHost, type SshOptions } from '../../../lib/transport/ssh-config';

let home: string;
let sshDir: string;
const localUser = os.userInfo().username;

function writeUserConfig(text: string, mode = 0o600): void {
  fs.writeFileSync(path.join(sshDir, 'config'), text, { mode });
  fs.chmodSync(path.join(sshDir, 'config'), mode);
}
function writeFile(name: string, text: string): string {
  const file = path.join(home, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}
const resolve = (alias: string, opts: SshOptions = {}) => resolveHost(alias, { homeDir: home, systemConfigFile: 'none', ...opts });
async function expectError(p: Promise<unknown>, code: ScpipeErrorCode, pattern?: RegExp): Promise<void> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(isScpipeError(err, code)).toBe(true);
  if (pattern) expect((err as Error).message).toMatch(pattern);
}

const CONFIG = `
Host web
  HostName %h.example.com
  User deploy
  Port 2200
  IdentityFile ~/.ssh/id_%h_%r
  IdentityFile %d/keys/%u-%p
  UserKnownHostsFile ~/.ssh/kh1 "/tmp/a b/%h"
  ConnectTimeout 1m30s

Host *.internal !secret.internal
  User internal
  StrictHostKeyChecking accept-new
  PreferredAuthentications password,publickey

Host batch
  BatchMode yes

Host *
  User fallback
  Port 2222
  ServerAliveInterval 5
`;

beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'scpipe-test-'));
  sshDir = path.join(home, '.ssh');
  fs.mkdirSync(sshDir, { mode: 0o700 });
  writeUserConfig(CONFIG);
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

describe('resolveHost', () => {
  it('applies a Host alias, first value wins, expands tokens', async () => {
    const h = await resolve('web');
    expect(h).toMatchObject({
      alias: 'web',
      hostname: 'web.example.com',
      user: 'deploy',
      port: 2200,
      identityFiles: [path.join(sshDir, 'id_web.example.com_deploy'), `${home}/keys/${localUser}-2200`],
      defaultIdentityFiles: [],
      knownHostsFiles: [path.join(sshDir, 'kh1'), '/tmp/a b/web.example.com'],
      connectTimeoutMs: 90_000,
      serverAliveIntervalMs: 5000,
      serverAliveCountMax: 3,
      strictHostKeyChecking: 'yes',
      hostKeyAsk: true,
    });
  });

  it('agrees with ssh -G on the values ssh prints', async () => {
    const cfg = writeFile('cfg', CONFIG);
    const out = execFileSync('ssh', ['-G', '-F', cfg, 'web'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const g = new Map(out.split('\n').map((l) => [l.slice(0, l.indexOf(' ')).toLowerCase(), l.slice(l.indexOf(' ') + 1)]));
    const h = await resolveHost('web', { configFile: cfg }); // real home, as ssh uses it
    expect(h.hostname).toBe(g.get('hostname'));
    expect(String(h.port)).toBe(g.get('port'));
    expect(h.user).toBe(g.get('user'));
    expect(h.knownHostsFiles.join(' ')).toBe(g.get('userknownhostsfile'));
    expect(String(h.connectTimeoutMs! / 1000)).toBe(g.get('connecttimeout'));
    expect(String(h.serverAliveIntervalMs / 1000)).toBe(g.get('serveraliveinterval'));
  });

  it('matches wildcards and honours negated Host patterns', async () => {
    expect(await resolve('db.internal')).toMatchObject({
      user: 'internal', port: 2222, strictHostKeyChecking: 'accept-new', hostKeyAsk: false,
      preferredAuthentications: ['password', 'publickey'],
    });
    expect(await resolve('secret.internal')).toMatchObject({ user: 'fallback', strictHostKeyChecking: 'yes' });
    // A Host pattern is compared case and all (readconf.c match_pattern()); the host name is then in lower case.
    expect(await resolve('DB.Internal')).toMatchObject({ user: 'fallback', port: 2222, hostname: 'db.internal' });
  });

  // ssh: "percent_expand: unknown key %r", exit 255, before any look-up of a name with a `%` in it.
  it('a HostName with a token other than %h and %%: a config error, as in ssh', async () => {
    writeUserConfig('Host tk\n  HostName %r.%p\nHost pct\n  HostName a%%b%h\n');
    await expectError(resolve('tk'), 'ERR_CONFIG', /^HostName %r\.%p: unknown token %r \(HostName takes %h and %%\)$/);
    expect((await resolve('pct')).hostname).toBe('a%bpct');
  });

  it('agrees with ssh -G on the case of Host patterns, Match originalhost and the host name', async () => {
    const cfg = writeFile('cfg', 'Host Web\n  Port 2001\nHost db\n  HostName %h.Example.COM\n  Port 2002\nMatch originalhost cap*\n  Port 2003\nHost *\n  Port 2004\n');
    // Only A-Z is lowered, as ssh's tolower(3) does: not Ü, the Kelvin sign (K) or İ.
    for (const host of ['Web', 'web', 'WEB', 'db', 'DB', 'CAPX', 'capx', 'FE80::1%ETH0', 'BÜCHER.Example', '\u212Aelvin.example', 'İSTANBUL.example']) {
      const out = execFileSync('ssh', ['-G', '-F', cfg, host], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const g = new Map(out.split('\n').map((l) => [l.slice(0, l.indexOf(' ')).toLowerCase(), l.slice(l.indexOf(' ') + 1)]));
      const h = await resolveHost(host, { configFile: cfg });
      expect([host, h.hostname, String(h.port)]).toEqual([host, g.get('hostname'), g.get('port')]);
    }
  });

  it('keeps a ProxyCommand as ssh -G shows it, quotes and all, from -o and from a file', async () => {
    const command = `sh -c "exec cat /dev/null" 'a b' "c  d"`;
    const cfg = writeFile('proxy-cfg', `Host p\n  ProxyCommand ${command}\n`);
    const sshG = (args: string[]): string | undefined => /^proxycommand (.*)$/m.exec(execFileSync('ssh', ['-G', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))?.[1];
    expect(sshG(['-F', cfg, 'p'])).toBe(command);
    expect((await resolve('p', { configFile: cfg })).proxyCommand).toBe(command);
    expect(sshG(['-F', 'none', '-o', `ProxyCommand=${command}`, 'p'])).toBe(command);
    expect((await resolve('p', { configFile: 'none', options: [`ProxyCommand=${command}`] })).proxyCommand).toBe(command);
  });

  it('uses defaults when nothing is configured', async () => {
    const h = await resolve('plain', { configFile: 'none' });
    expect(h).toEqual({
      alias: 'plain', hostname: 'plain', port: 22, user: localUser,
      identityFiles: [],
      defaultIdentityFiles: ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => path.join(sshDir, f)),
      identitiesOnly: false, certificateFiles: [],
      knownHostsFiles: [path.join(sshDir, 'known_hosts'), path.join(sshDir, 'known_hosts2')],
      globalKnownHostsFiles: ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'],
      strictHostKeyChecking: 'yes', hostKeyAsk: true,
      serverAliveIntervalMs: 15000, serverAliveCountMax: 3, batchMode: false,
      passwordAuthentication: true, pubkeyAuthentication: true, kbdInteractiveAuthentication: true,
      algorithms: {},
      logLevel: 'INFO', connectionAttempts: 1, numberOfPasswordPrompts: 3, tcpKeepAlive: true,
    });
  });

  it('gives -o precedence over the config, and over -P / user@ (as scp: it passes -p and -l after the -o options)', async () => {
    const h = await resolve('web', {
      options: ['port=1234', 'User  other', 'StrictHostKeyChecking=no', 'UserKnownHostsFile /dev/null', 'IdentitiesOnly=yes', 'batchmode yes'],
      identityFiles: ['/keys/cli'],
    });
    expect(h).toMatchObject({ port: 1234, user: 'other', strictHostKeyChecking: 'no', knownHostsFiles: ['/dev/null'], identitiesOnly: true, batchMode: true });
    expect(h.identityFiles[0]).toBe('/keys/cli');
    expect(h.identityFiles).toHaveLength(3);
    expect(await resolve('web', { options: ['Port=1234', 'User=other'], port: 4321, user: 'cliuser' })).toMatchObject({ port: 1234, user: 'other' });
    const h2 = await resolve('web', { port: 4321, user: 'cliuser' });
    expect(h2).toMatchObject({ port: 4321, user: 'cliuser' });
    // %r in the config's IdentityFile sees the command-line user
    expect(h2.identityFiles[0]).toBe(path.join(sshDir, 'id_web.example.com_cliuser'));
    // first -o wins among several
    expect((await resolve('x', { options: ['Port=1', 'Port=2'] })).port).toBe(1);
  });

  it('maps StrictHostKeyChecking values', async () => {
    const strict = async (v: string) => resolve('x', { configFile: 'none', options: [`StrictHostKeyChecking=${v}`] });
    expect(await strict('on')).toMatchObject({ strictHostKeyChecking: 'yes', hostKeyAsk: false });
    expect(await strict('off')).toMatchObject({ strictHostKeyChecking: 'no' });
    // ssh takes true and false too (readconf.c multistate_strict_hostkey).
    expect(await strict('true')).toMatchObject({ strictHostKeyChecking: 'yes', hostKeyAsk: false });
    expect(await strict('False')).toMatchObject({ strictHostKeyChecking: 'no' });
    expect(await strict('accept-new')).toMatchObject({ strictHostKeyChecking: 'accept-new' });
    expect(await strict('ask')).toMatchObject({ strictHostKeyChecking: 'yes', hostKeyAsk: true });
    expect(await resolve('batch')).toMatchObject({ strictHostKeyChecking: 'yes', hostKeyAsk: false, batchMode: true });
  });

  it('rejects bad or unsupported -o options with ERR_USAGE', async () => {
    await expectError(resolve('x', { options: ['Port=abc'] }), 'ERR_USAGE', /Port/);
    await expectError(resolve('x', { options: ['Port=70000'] }), 'ERR_USAGE', /Port/);
    await expectError(resolve('x', { options: ['StrictHostKeyChecking=maybe'] }), 'ERR_USAGE', /StrictHostKeyChecking/);
    await expectError(resolve('x', { options: ['BatchMode=perhaps'] }), 'ERR_USAGE', /BatchMode/);
    await expectError(resolve('x', { options: ['ConnectTimeout=soon'] }), 'ERR_USAGE', /ConnectTimeout/);
    await expectError(resolve('x', { options: ['User='] }), 'ERR_USAGE');
    await expectError(resolve('x', { options: ['ProxyComand=nc %h %p'] }), 'ERR_USAGE', /Bad configuration option: "ProxyComand"/);
    await expectError(resolve('x', { options: ['garbage'] }), 'ERR_USAGE');
  });

  it('handles -F: a missing file is ERR_CONFIG, and ~/.ssh/config is then not read', async () => {
    await expectError(resolve('web', { configFile: path.join(home, 'missing') }), 'ERR_CONFIG', /missing/);
    const cfg = writeFile('alt', 'Host web\n  Port 9\n');
    expect(await resolve('web', { configFile: cfg })).toMatchObject({ port: 9, hostname: 'web', user: localUser });
  });

  it('reads the system config after the user config', async () => {
    const sys = writeFile('etc/ssh_config', 'Host *\n  Port 1\n  ConnectTimeout 7\n');
    expect(await resolve('other', { systemConfigFile: sys })).toMatchObject({ port: 2222, connectTimeoutMs: 7000 });
  });

  it('reports bad config values and bad permissions as ERR_CONFIG', async () => {
    writeUserConfig('Host *\n  Port abc\n');
    await expectError(resolve('x'), 'ERR_CONFIG', /config: bad value for Port/);
    writeUserConfig('Host *\n  Port 22\n', 0o666);
    await expectError(resolve('x'), 'ERR_CONFIG', /Bad owner or permissions/);
  });

  it('refuses an included file others can write, as ssh does, under -F too', async () => {
    const inc = writeFile('.ssh/conf.d/shared.conf', 'Host *\n  ProxyCommand sh -c id\n');
    fs.chmodSync(inc, 0o666);
    writeUserConfig('Include conf.d/*.conf\n');
    await expectError(resolve('x'), 'ERR_CONFIG', new RegExp(`Bad owner or permissions on ${inc}`));
    const main = writeFile('main.conf', `Include ${inc}\n`);
    await expectError(resolve('x', { configFile: main }), 'ERR_CONFIG', /Bad owner or permissions/);
    fs.chmodSync(inc, 0o644);
    expect(await resolve('x', { configFile: main })).toMatchObject({ proxyCommand: 'sh -c id' });
  });

  it('follows Include (relative to ~/.ssh, with globs) inside and outside Host blocks', async () => {
    writeFile('.ssh/conf.d/10-a.conf', 'Host inc\n  Port 1001\n');
    writeFile('.ssh/conf.d/20-b.conf', 'Host inc\n  Port 9999\n  User incuser\n');
    writeFile('.ssh/only-web', 'IdentitiesOnly yes\n');
    writeUserConfig('Include conf.d/*.conf\nHost web\n  Include only-web\nHost *\n  User star\n');
    expect(await resolve('inc')).toMatchObject({ port: 1001, user: 'incuser', identitiesOnly: false });
    expect(await resolve('web')).toMatchObject({ port: 22, user: 'star', identitiesOnly: true });
  });

  it('evaluates Match host/originalhost/user/exec/final', async () => {
    writeUserConfig(
      [
        'Host short',
        '  HostName long.example.net',
        'Match host *.example.net user bob',
        '  Port 2001',
        'Match originalhost short exec "test %h = long.example.net"',
        '  ConnectTimeout 3',
        'Match !host *.example.net',
        '  Port 2002',
        'Match exec false',
        '  BatchMode yes',
        'Match final',
        '  ServerAliveCountMax 9',
        '',
      ].join('\n'),
    );
    expect(await resolve('short', { user: 'bob' })).toMatchObject({ port: 2001, connectTimeoutMs: 3000, batchMode: false, serverAliveCountMax: 9 });
    expect(await resolve('short')).toMatchObject({ port: 22, connectTimeoutMs: 3000 });
    expect(await resolve('other')).toMatchObject({ port: 2002 });
  });

  it('expands ~user in file names to that user\'s home, as ssh -G does; an Include of no such user includes nothing', async () => {
    const cfg = writeFile('cfg-tilde', 'Include ~scpipe-no-such-user/conf\nHost h\n  UserKnownHostsFile ~root/kh1 ~/kh2\n  IdentityFile ~root/id\n');
    const out = execFileSync('ssh', ['-G', '-F', cfg, 'h'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const h = await resolveHost('h', { configFile: cfg }); // real home, as ssh uses it
    expect(h.knownHostsFiles.join(' ')).toBe(/^userknownhostsfile (.*)$/m.exec(out)![1]);
    const rootHome = execFileSync('getent', ['passwd', 'root'], { encoding: 'utf8' }).split(':')[5];
    expect(h.knownHostsFiles[0]).toBe(`${rootHome}/kh1`);
    expect(h.identityFiles).toEqual([`${rootHome}/id`]);
    await expectError(resolve('h', { options: ['IdentityFile=~scpipe-no-such-user/id'] }), 'ERR_CONFIG', /^IdentityFile: ~scpipe-no-such-user: no such user$/);
  });

  it('counts every criterion of a Match line, in order, as ssh -G does', async () => {
    const lines = ['Match exec "false" exec "true"', 'Match host x host h', 'Match host h host x', 'Match exec "true" host h exec "test %h = h"'];
    for (const [i, line] of lines.entries()) {
      const cfg = writeFile(`cfg${i}`, `${line}\n  Port 1001\n`);
      const out = execFileSync('ssh', ['-G', '-F', cfg, 'h'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      expect([line, String((await resolveHost('h', { configFile: cfg })).port)]).toEqual([line, /^port (\d+)$/m.exec(out)![1]]);
    }
    expect((await resolveHost('h', { configFile: path.join(home, 'cfg3') })).port).toBe(1001);
  });

  it('refuses words after Match all, as ssh -G does, and takes all after another criterion', async () => {
    const bad = writeFile('cfg-all', 'Match all exec "true"\n  Port 1001\n');
    const ssh = spawnSync('ssh', ['-G', '-F', bad, 'h'], { encoding: 'utf8' });
    expect(ssh.status).toBe(255);
    expect(ssh.stderr).toContain("'all' cannot be combined with other Match attributes");
    await expectError(resolveHost('h', { configFile: bad }), 'ERR_CONFIG', new RegExp(`^${bad}: Match: 'all' cannot be combined with other Match attributes$`));
    const good = writeFile('cfg-all2', 'Match host h all\n  Port 1001\n');
    expect(execFileSync('ssh', ['-G', '-F', good, 'h'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })).toMatch(/^port 1001$/m);
    expect((await resolveHost('h', { configFile: good })).port).toBe(1001);
  });

  // `Match !all` was refused ("Missing value for match criteria !all", exit
  // 255), and `Match !final host h` too; ssh takes them: `!all` never matches.
  it('takes !all, !final and !canonical without an argument, as ssh -G does', async () => {
    const lines = ['Match !all', 'Match host h !all', 'Match !all # never', 'Match !final host h', 'Match !canonical', 'Match host "x !all"', 'Match host h', 'Match !all\nMatch all'];
    for (const [i, line] of lines.entries()) {
      const cfg = writeFile(`cfg-not${i}`, `${line}\n  Port 1001\n`);
      const out = execFileSync('ssh', ['-G', '-F', cfg, 'h'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      expect([line, String((await resolveHost('h', { configFile: cfg })).port)]).toEqual([line, /^port (\d+)$/m.exec(out)![1]]);
    }
    const bad = writeFile('cfg-not-bad', 'Match !all host h\n  Port 1001\n');
    expect(spawnSync('ssh', ['-G', '-F', bad, 'h'], { encoding: 'utf8' }).stderr).toContain("'!all' cannot be combined with other Match attributes");
    await expectError(resolveHost('h', { configFile: bad }), 'ERR_CONFIG', new RegExp(`^${bad}: Match: '!all' cannot be combined with other Match attributes$`));
  });

  it('adds default identities only when no IdentityFile is given, and expands ${ENV}', async () => {
    process.env.SCPIPE_TEST_KEYDIR = '/env/keys';
    try {
      const h = await resolve('x', { configFile: 'none', options: ['IdentityFile=${SCPIPE_TEST_KEYDIR}/k'] });
      expect(h.identityFiles).toEqual(['/env/keys/k']);
      expect(h.defaultIdentityFiles).toEqual([]);
    } finally {
      delete process.env.SCPIPE_TEST_KEYDIR;
    }
    await expectError(resolve('x', { configFile: 'none', options: ['IdentityFile=%z'] }), 'ERR_CONFIG', /%z/);
  });

  it('accepts ChallengeResponseAuthentication as the old name of KbdInteractiveAuthentication', async () => {
    const h = await resolve('x', { configFile: 'none', options: ['ChallengeResponseAuthentication=no', 'PasswordAuthentication no', 'ServerAliveInterval=0'] });
    expect(h).toMatchObject({ kbdInteractiveAuthentication: false, passwordAuthentication: false, serverAliveIntervalMs: 0 });
  });

  it('keeps Ciphers, MACs, KexAlgorithms and HostKeyAlgorithms as written, -o first', async () => {
    const h = await resolve('x', {
      configFile: 'none',
      options: ['Ciphers=^aes128-gcm@openssh.com', 'kexalgorithms curve25519-sha256', 'MACs=-hmac-sha1*', 'HostKeyAlgorithms=+ssh-rsa', 'Ciphers=aes256-ctr'],
    });
    expect(h.algorithms).toEqual({
      Ciphers: '^aes128-gcm@openssh.com',
      KexAlgorithms: 'curve25519-sha256',
      MACs: '-hmac-sha1*',
      HostKeyAlgorithms: '+ssh-rsa',
    });
  });
});
