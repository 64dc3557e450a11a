// Every ssh_config keyword OpenSSH knows, given with -o to the ssh2
// transport's resolver: honoured, noted as having no effect on a transfer,
// or refused with a message naming --transport openssh. None crashes, none
// passes unnoticed, and a misspelling stays an error, as in ssh.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isScpipeError } from '../../../lib/errors';
import { resolveHost, type SshOptions } from '../../../lib/transport/ssh-config';
import { KEYS } from '../../../lib/transport/ssh-config-values';
import { OTHER_KEYWORDS } from '../../../lib/transport/ssh-keywords';

const KEYWORDS = fs.readFileSync(path.join(__dirname, '../../fixtures/ssh-config-keywords.txt'), 'utf8')
  .split('\n').filter((l) => l && !l.startsWith('#'));

// A valid value for each honoured keyword (the others get "yes").
const SAMPLE: Record<string, string> = {
  addressfamily: 'inet', bindaddress: '127.0.0.1', ciphers: 'aes128-ctr', connectionattempts: '2', connecttimeout: '5',
  globalknownhostsfile: '/dev/null', hostkeyalgorithms: 'ssh-ed25519', hostkeyalias: 'alias', hostname: 'h.example',
  identityagent: 'none', identityfile: '~/.ssh/id_test', identityfile2: '~/.ssh/id_test', ignoreunknown: 'usekeychain',
  kexalgorithms: 'curve25519-sha256', loglevel: 'ERROR', macs: 'hmac-sha2-256', numberofpasswordprompts: '1', port: '2222',
  preferredauthentications: 'publickey', proxycommand: 'nc %h %p', proxyjump: 'jump.example:22', sendenv: 'LANG',
  serveralivecountmax: '2', serveraliveinterval: '10', setenv: 'A=1', stricthostkeychecking: 'accept-new', tag: 't',
  user: 'bob', userknownhostsfile: '/dev/null', refuseconnection: 'no',
};

let home: string;
beforeAll(() => { home = fs.mkdtempSync(path.join(os.tmpdir(), 'scpipe-kw-')); });
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));
const resolve = (options: string[], more: SshOptions = {}) =>
  resolveHost('h', { homeDir: home, systemConfigFile: 'none', configFile: 'none', options, ...more });

describe('every ssh_config keyword through -o', () => {
  it('the fixture lists the whole table, and the table knows every keyword of the fixture', () => {
    expect(KEYWORDS.length).toBeGreaterThan(130);
    const known = new Set([...Object.keys(KEYS), ...Object.keys(OTHER_KEYWORDS), 'host', 'match', 'include']);
    expect(KEYWORDS.filter((k) => !known.has(k))).toEqual([]);
    expect([...known].filter((k) => !KEYWORDS.includes(k))).toEqual([]);
  });

  it.each(KEYWORDS)('%s: honoured, noted or refused', async (keyword) => {
    const value = SAMPLE[keyword] ?? 'yes';
    const outcome = await resolve([`${keyword}=${value}`]).then((h) => h, (e: unknown) => e);
    if (['host', 'match', 'include'].includes(keyword)) {
      expect(isScpipeError(outcome, 'ERR_USAGE')).toBe(true);
      expect((outcome as Error).message).toMatch(/only in a config file/);
      return;
    }
    const other = OTHER_KEYWORDS[keyword];
    if (KEYS[keyword]) {
      expect(outcome).not.toBeInstanceOf(Error);
    } else if (other![1].kind === 'refuse') {
      expect(isScpipeError(outcome, 'ERR_USAGE')).toBe(true);
      expect((outcome as Error).message).toMatch(new RegExp(`^-o: ${other![0]} yes: not available in the built-in ssh2 transport \\(.+\\); use --transport openssh$`));
    } else {
      expect((outcome as { notes: string[] }).notes).toEqual([`${other![0]} yes: no effect on a transfer (${other![1].why})`]);
    }
  });
});

describe('keywords beyond the table', () => {
  it('a misspelt keyword is an error, from -o and from a config file, unless IgnoreUnknown names it', async () => {
    const err = await resolve(['ProxyJumpp=x']).catch((e: unknown) => e);
    expect(isScpipeError(err, 'ERR_USAGE')).toBe(true);
    expect((err as Error).message).toBe('-o: Bad configuration option: "ProxyJumpp" (not an ssh_config keyword)');
    const cfg = path.join(home, 'cfg');
    fs.writeFileSync(cfg, 'Host *\n  UseKeychain yes\n');
    await expect(resolve([], { configFile: cfg })).rejects.toMatchObject({ code: 'ERR_CONFIG', message: expect.stringMatching(/Bad configuration option: "UseKeychain"/) });
    fs.writeFileSync(cfg, 'IgnoreUnknown UseKeychain,Other\nHost *\n  UseKeychain yes\n');
    await expect(resolve([], { configFile: cfg })).resolves.toMatchObject({ hostname: 'h' });
  });

  it('a refused keyword is fine with the value that asks for nothing, and refused from a file as ERR_CONFIG', async () => {
    await expect(resolve(['VerifyHostKeyDNS=no', 'CertificateFile=none', 'RekeyLimit=default none'])).resolves.toMatchObject({ hostname: 'h' });
    const cfg = path.join(home, 'cfg');
    fs.writeFileSync(cfg, 'Host other\n  CertificateFile ~/.ssh/c\nHost h\n  KnownHostsCommand /bin/kh %H\n');
    await expect(resolve([], { configFile: cfg })).rejects.toMatchObject({
      code: 'ERR_CONFIG',
      message: `${cfg}: KnownHostsCommand /bin/kh %H: not available in the built-in ssh2 transport (host keys from a command are not read); use --transport openssh`,
    });
    // first value wins: -o overrides the file's refused value
    await expect(resolve(['KnownHostsCommand=none'], { configFile: cfg })).resolves.toMatchObject({ hostname: 'h' });
  });

  it('honours the connection keywords', async () => {
    process.env.SCPIPE_TEST_SEND = 'sent';
    const h = await resolve([
      'LogLevel=debug2', 'Compression=yes', 'AddressFamily=inet6', 'BindAddress=::1', 'ConnectionAttempts=3',
      'IdentityAgent=~/agent.sock', 'CheckHostIP=yes', 'HashKnownHosts=yes', 'NumberOfPasswordPrompts=1',
      'SendEnv=SCPIPE_TEST_* LANGUAGE_NOT_SET', 'SetEnv=A=1 B=two', 'TCPKeepAlive=no', 'ProxyCommand=exec nc %h %p', 'ProxyJump=j',
    ]);
    delete process.env.SCPIPE_TEST_SEND;
    expect(h).toMatchObject({
      logLevel: 'DEBUG2', compression: true, addressFamily: 'inet6', bindAddress: '::1', connectionAttempts: 3,
      identityAgent: path.join(home, 'agent.sock'), checkHostIP: true, hashKnownHosts: true, numberOfPasswordPrompts: 1,
      tcpKeepAlive: false, proxyCommand: 'nc h 22', env: { A: '1', B: 'two' },
    });
    expect(h.proxyJump).toBeUndefined(); // ProxyCommand came first
    expect((await resolve(['ProxyJump=a,b', 'ProxyCommand=nc %h %p'])).proxyJump).toBe('a,b');
    expect((await resolve(['ProxyJump=none'])).proxyJump).toBeUndefined();
    expect((await resolve(['IdentityAgent=none'])).identityAgent).toBe('none');
    // CertificateFile adds up, as IdentityFile does.
    expect((await resolve(['CertificateFile=~/c1', 'CertificateFile=%d/c2'])).certificateFiles).toEqual([path.join(home, 'c1'), path.join(home, 'c2')]);
  });

  it('SendEnv picks variables by pattern but never scpipe\'s own secrets', async () => {
    process.env.SCPIPE_PASSWORD = 'secret';
    process.env.SCPIPE_TEST_X = 'x';
    try {
      const h = await resolve(['SendEnv=SCPIPE_*']);
      expect(h.env).toBeUndefined();
    } finally {
      delete process.env.SCPIPE_PASSWORD;
      delete process.env.SCPIPE_TEST_X;
    }
  });

  it('RefuseConnection=yes refuses, and Match tagged sees Tag', async () => {
    await expect(resolve(['RefuseConnection=yes'])).rejects.toMatchObject({ code: 'ERR_CONFIG' });
    const cfg = path.join(home, 'cfg');
    fs.writeFileSync(cfg, 'Match tagged backup\n  Port 2022\n');
    expect((await resolve(['Tag=backup'], { configFile: cfg })).port).toBe(2022);
    expect((await resolve([], { configFile: cfg })).port).toBe(22);
  });
});
