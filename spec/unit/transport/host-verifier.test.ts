import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { Client, Server } from 'ssh2';
import { isScpipeError } from '../../../lib/errors';
import { createHostVerifier, type HostVerifierOptions } from '../../../lib/transport/host-verifier';
import { fingerprint, rsaKeyBits } from '../../../lib/transport/known-hosts';
import type { ResolvedHost } from '../../../lib/transport/ssh-config';
import { resolvedHost } from '../../helpers/resolved-host';

let dir: string;
let hostKeyFile: string;
let keyA: Buffer; // the server's key in the handshake test
let keyB: Buffer;
let keyEcdsa: Buffer;
let n = 0;

function genKey(name: string, type: string): Buffer {
  const file = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-N', '', '-t', type, '-f', file]);
  return Buffer.from(fs.readFileSync(`${file}.pub`, 'utf8').split(' ')[1], 'base64');
}
const entry = (name: string, key: Buffer, marker = ''): string =>
  `${marker ? `${marker} ` : ''}${name} ${key.subarray(4, 4 + key.readUInt32BE(0)).toString()} ${key.toString('base64')}\n`;
function kh(text = ''): string {
  const file = path.join(dir, `kh${n++}`, 'known_hosts');
  fs.mkdirSync(path.dirname(file));
  if (text) fs.writeFileSync(file, text);
  return file;
}
const host = (over: Partial<ResolvedHost> = {}): ResolvedHost =>
  resolvedHost({ hostname: '127.0.0.1', port: 2222, user: 'u', ...over });
function verify(opts: HostVerifierOptions, key: Buffer) {
  const v = createHostVerifier(opts);
  return new Promise<{ ok: boolean; v: typeof v }>((resolve) => v(key, (ok) => resolve({ ok, v })));
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scpipe-test-'));
  keyA = genKey('a', 'ed25519');
  hostKeyFile = path.join(dir, 'a');
  keyB = genKey('b', 'ed25519');
  keyEcdsa = genKey('c', 'ecdsa');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('createHostVerifier', () => {
  // A re-key's check answered asynchronously broke uploads in flight (spec/e2e/rekey.test.ts).
  it('answers a re-key at once: the first key again is accepted, another refused as changed', async () => {
    const { ok, v } = await verify({ host: host({ knownHostsFiles: [kh(entry('[127.0.0.1]:2222', keyA))] }) }, keyA);
    expect(ok).toBe(true);
    const never = (): void => { throw new Error('asked through the callback'); };
    expect(v(keyA, never)).toBe(true);
    expect(v(keyB, never)).toBe(false);
    expect(v.failure()).toMatchObject({ code: 'ERR_HOST_KEY_CHANGED', message: 'the host key of [127.0.0.1]:2222 changed during the connection' });
  });

  it('accepts a known key', async () => {
    const file = kh(entry('[127.0.0.1]:2222', keyA));
    const { ok, v } = await verify({ host: host({ knownHostsFiles: [file] }) }, keyA);
    expect(ok).toBe(true);
    expect(v.failure()).toBeUndefined();
    expect(v.verify).toBe(v);
  });

  it('refuses an unknown key under yes, with the fingerprint', async () => {
    const file = kh(entry('[127.0.0.1]:2223', keyEcdsa)); // another port's key: unknown here
    const { ok, v } = await verify({ host: host({ knownHostsFiles: [file] }) }, keyA);
    expect(ok).toBe(false);
    const err = v.failure();
    expect(isScpipeError(err, 'ERR_HOST_KEY_UNKNOWN')).toBe(true);
    expect(err!.message).toContain(
      `Host key for [127.0.0.1]:2222 is not known and you have requested strict checking. Its fingerprint is ${fingerprint(keyA)}`,
    );
  });

  it.each(['accept-new', 'no'] as const)('records and accepts an unknown key under %s', async (strict) => {
    const file = kh();
    const lines: string[] = [];
    const h = host({ knownHostsFiles: [file, path.join(dir, 'unused')], strictHostKeyChecking: strict });
    expect((await verify({ host: h, log: (l) => lines.push(l) }, keyA)).ok).toBe(true);
    expect(fs.readFileSync(file, 'utf8')).toBe(entry('[127.0.0.1]:2222', keyA));
    expect(lines.join('\n')).toContain("Permanently added '[127.0.0.1]:2222' (ED25519)");
    expect(fs.existsSync(path.join(dir, 'unused'))).toBe(false);
    // now it is known; under accept-new a different key is a change
    expect((await verify({ host: host({ knownHostsFiles: [file] }) }, keyA)).ok).toBe(true);
    expect((await verify({ host: host({ knownHostsFiles: [file], strictHostKeyChecking: 'accept-new' }) }, keyB)).ok).toBe(false);
  });

  // A reconnection after a lost connection, where known_hosts could not keep
  // the key (/dev/null, a file it cannot write): before, a different server
  // answering there was accepted as new, silently, in the middle of the run.
  it('holds a reconnection to the key the run accepted first, when no known_hosts line could', async () => {
    const h = host({ knownHostsFiles: ['/dev/null'], strictHostKeyChecking: 'accept-new' });
    const earlier = new Map<string, Buffer>();
    expect((await verify({ host: h, earlier }, keyA)).ok).toBe(true);
    expect((await verify({ host: h, earlier }, keyA)).ok).toBe(true);
    const other = await verify({ host: h, earlier }, keyB);
    expect(other.ok).toBe(false);
    expect(other.v.failure()).toMatchObject({ code: 'ERR_HOST_KEY_CHANGED', message: expect.stringContaining(`REMOTE HOST IDENTIFICATION HAS CHANGED for [127.0.0.1]:2222: it sent ssh-ed25519 key ${fingerprint(keyB)}, not the ssh-ed25519 key ${fingerprint(keyA)} this run accepted at its first connection`) });
    // Asked once under ask: the reconnection is not asked about again.
    const asked: unknown[] = [];
    const ask = { host: host({ knownHostsFiles: ['/dev/null'], hostKeyAsk: true }), earlier: new Map<string, Buffer>(), onFirstConnect: (info: unknown) => (asked.push(info), true) };
    expect((await verify(ask, keyA)).ok).toBe(true);
    expect((await verify(ask, keyA)).ok).toBe(true);
    expect(asked).toHaveLength(1);
    expect((await verify(ask, keyB)).ok).toBe(false);
    // Under no, as a changed key: a warning, and no passwords.
    const lines: string[] = [];
    const no = { host: host({ knownHostsFiles: ['/dev/null'], strictHostKeyChecking: 'no' }), earlier: new Map<string, Buffer>(), warn: (l: string) => lines.push(l) };
    expect((await verify(no, keyA)).ok).toBe(true);
    const changed = await verify(no, keyB);
    expect(changed.ok).toBe(true);
    expect(changed.v.passwordsAllowed()).toBe(false);
    expect(lines.join('\n')).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
  });

  it('asks onFirstConnect when StrictHostKeyChecking was ask', async () => {
    const file = kh();
    const seen: unknown[] = [];
    const h = host({ knownHostsFiles: [file], hostKeyAsk: true });
    const no = await verify({ host: h, onFirstConnect: (info) => { seen.push(info); return false; } }, keyA);
    expect(no.ok).toBe(false);
    expect(isScpipeError(no.v.failure(), 'ERR_HOST_KEY_UNKNOWN')).toBe(true);
    expect(seen).toEqual([{ name: '[127.0.0.1]:2222', keyType: 'ssh-ed25519', fingerprint: fingerprint(keyA) }]);
    expect(fs.existsSync(file)).toBe(false);
    expect((await verify({ host: h, onFirstConnect: async () => true }, keyA)).ok).toBe(true);
    expect(fs.readFileSync(file, 'utf8')).toContain(keyA.toString('base64'));
    // without hostKeyAsk the callback is not consulted
    const strict = await verify({ host: host({ knownHostsFiles: [kh()] }), onFirstConnect: () => true }, keyA);
    expect(strict.ok).toBe(false);
  });

  it.each(['yes', 'accept-new'] as const)('refuses a changed key under %s, naming file:line', async (strict) => {
    const file = kh(`# first line\n${entry('[127.0.0.1]:2222', keyB)}`);
    const { ok, v } = await verify({ host: host({ knownHostsFiles: [file], strictHostKeyChecking: strict }) }, keyA);
    expect(ok).toBe(false);
    const err = v.failure()!;
    expect(isScpipeError(err, 'ERR_HOST_KEY_CHANGED')).toBe(true);
    expect(err.message).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
    expect(err.message).toContain(`${file}:2`);
    expect(err.message).toContain(fingerprint(keyA));
    expect(fs.readFileSync(file, 'utf8')).not.toContain(keyA.toString('base64'));
  });

  it('accepts a changed key under no, loudly, and says passwords are not allowed (leaving the host as resolved)', async () => {
    const file = kh(entry('[127.0.0.1]:2222', keyB));
    const lines: string[] = [];
    const h = host({ knownHostsFiles: [file], strictHostKeyChecking: 'no' });
    const before = structuredClone(h);
    const { ok, v } = await verify({ host: h, log: (l) => lines.push(l) }, keyA);
    expect(ok).toBe(true);
    expect(lines.join('\n')).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
    expect(v.passwordsAllowed()).toBe(false);
    expect(h).toEqual(before);
  });

  it('shows the changed-key warning and "Permanently added" through warn (always on), not only the -v log', async () => {
    const warned: string[] = [];
    const verbose: string[] = [];
    const changed = kh(entry('[127.0.0.1]:2222', keyB));
    const h = host({ knownHostsFiles: [changed], strictHostKeyChecking: 'no' });
    expect((await verify({ host: h, log: (l) => verbose.push(l), warn: (l) => warned.push(l) }, keyA)).ok).toBe(true);
    expect(warned).toEqual(expect.arrayContaining([
      '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @',
      `Offending ED25519 key in ${changed}:1`,
      'Password authentication is disabled to avoid man-in-the-middle attacks.',
    ]));
    expect(warned).toContain(`${fingerprint(keyA)}.`);
    expect(verbose.join('\n')).not.toContain('REMOTE HOST IDENTIFICATION');
    warned.length = 0;
    const fresh = kh();
    expect((await verify({ host: host({ knownHostsFiles: [fresh], strictHostKeyChecking: 'accept-new' }), warn: (l) => warned.push(l) }, keyA)).ok).toBe(true);
    expect(warned).toEqual(["Warning: Permanently added '[127.0.0.1]:2222' (ED25519) to the list of known hosts."]);
  });

  it('refuses an RSA host key under 1024 bits before any lookup, even under StrictHostKeyChecking=no, as ssh', async () => {
    const jwk = generateKeyPairSync('rsa', { modulusLength: 768 }).publicKey.export({ format: 'jwk' });
    const str = (b: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, 0, 0].map((_v, i) => (b.length >>> (24 - 8 * i)) & 0xff)), b]);
    const mpint = (b64: string): Buffer => { const b = Buffer.from(b64, 'base64url'); return str(b[0] & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b); };
    const blob = Buffer.concat([str(Buffer.from('ssh-rsa')), mpint(jwk.e!), mpint(jwk.n!)]);
    expect(rsaKeyBits(blob)).toBe(768);
    expect(rsaKeyBits(genKey('rsa-default', 'rsa'))).toBe(3072); // ssh-keygen's default
    const file = kh();
    const { ok, v } = await verify({ host: host({ knownHostsFiles: [file], strictHostKeyChecking: 'no' }) }, blob);
    expect(ok).toBe(false);
    expect(isScpipeError(v.failure(), 'ERR_HOST_KEY_CHANGED')).toBe(true);
    expect(v.failure()!.message).toMatch(/has 768 bits; ssh refuses RSA keys under 1024 bits/);
    expect(fs.existsSync(file)).toBe(false); // not recorded
  });

  it('under ask without a terminal (null), refuses and says how to add the key', async () => {
    const file = kh();
    const { ok, v } = await verify({ host: host({ knownHostsFiles: [file], hostKeyAsk: true }), onFirstConnect: () => null }, keyA);
    expect(ok).toBe(false);
    expect(v.failure()!.message).toBe(
      `Host key for [127.0.0.1]:2222 is not known and there is no terminal to ask whether to trust it. Its fingerprint is ${fingerprint(keyA)} (ssh-ed25519). ` +
        `If that is the server's, add it with: ssh-keyscan -p 2222 -t ssh-ed25519 127.0.0.1 >> ${file} (or connect once from a terminal, or with -o StrictHostKeyChecking=accept-new)`,
    );
    expect(fs.existsSync(file)).toBe(false);
    // With a HostKeyAlias, ssh-keyscan still asks the real host and port; the line is filed under the alias.
    const aliased = await verify({ host: host({ knownHostsFiles: [file], hostKeyAsk: true, hostKeyAlias: 'vault' }), onFirstConnect: () => null }, keyA);
    expect(aliased.v.failure()!.message).toContain(`add it with: ssh-keyscan -p 2222 -t ssh-ed25519 127.0.0.1 | sed 's/^[^ ]*/vault/' >> ${file} `);
  });

  // A fresh account (a cron user) has no ~/.ssh: the hint makes it first, or its `>>` fails.
  it('says to make the known_hosts directory first where it does not exist', async () => {
    const file = path.join(kh(), '..', 'no-such-dir', 'known_hosts');
    const { v } = await verify({ host: host({ knownHostsFiles: [file], hostKeyAsk: true }), onFirstConnect: () => null }, keyA);
    expect(v.failure()!.message).toContain(`add it with: mkdir -p -m 700 ${path.dirname(file)} && ssh-keyscan -p 2222 -t ssh-ed25519 127.0.0.1 >> ${file} `);
  });

  // The hint is pasted into a shell: a path with a space, `$` or `'` must stay one word.
  it('quotes the known_hosts paths of the commands it prints, so a shell reads them back as they are', async () => {
    const odd = path.join(kh(), '..', "my $HOME's keys");
    fs.mkdirSync(odd);
    const asShell = (word: string): string => execFileSync('sh', ['-c', `printf %s ${word}`], { encoding: 'utf8' });
    const unknown = path.join(odd, 'known_hosts');
    const { v } = await verify({ host: host({ knownHostsFiles: [unknown], hostKeyAsk: true }), onFirstConnect: () => null }, keyA);
    const appended = / >> ('[^']*(?:'"'"'[^']*)*') \(/.exec(v.failure()!.message)?.[1];
    expect(appended && asShell(appended)).toBe(unknown);
    const missing = path.join(odd, 'no .ssh', 'known_hosts');
    const made = await verify({ host: host({ knownHostsFiles: [missing], hostKeyAsk: true }), onFirstConnect: () => null }, keyA);
    const dirWord = /mkdir -p -m 700 (.*) && ssh-keyscan/.exec(made.v.failure()!.message)?.[1];
    expect(dirWord && asShell(dirWord)).toBe(path.dirname(missing));
    fs.writeFileSync(unknown, entry('[127.0.0.1]:2222', keyB));
    const changed = await verify({ host: host({ knownHostsFiles: [unknown] }) }, keyA);
    const removeFrom = /ssh-keygen -R '\[127\.0\.0\.1\]:2222' -f (.*)\)$/.exec(changed.v.failure()!.message)?.[1];
    expect(removeFrom && asShell(removeFrom)).toBe(unknown);
  });

  it('allows passwords after a known or a new key', async () => {
    const file = kh(entry('[127.0.0.1]:2222', keyA));
    expect((await verify({ host: host({ knownHostsFiles: [file] }) }, keyA)).v.passwordsAllowed()).toBe(true);
    const fresh = kh('');
    expect((await verify({ host: host({ knownHostsFiles: [fresh], strictHostKeyChecking: 'no' }) }, keyA)).v.passwordsAllowed()).toBe(true);
  });

  it('refuses a revoked key even under no', async () => {
    const file = kh(entry('[127.0.0.1]:2222', keyA) + entry('*', keyA, '@revoked'));
    const { ok, v } = await verify({ host: host({ knownHostsFiles: [file], strictHostKeyChecking: 'no' }) }, keyA);
    expect(ok).toBe(false);
    expect(v.failure()!.message).toMatch(/revoked/);
  });

  it('uses HostKeyAlias without a port, and reads global files without writing them', async () => {
    const global = kh(entry('myalias', keyA));
    expect((await verify({ host: host({ hostKeyAlias: 'myalias', globalKnownHostsFiles: [global] }) }, keyA)).ok).toBe(true);
    const user = kh();
    const h = host({ hostname: 'example.org', port: 22, knownHostsFiles: [user], globalKnownHostsFiles: [global], strictHostKeyChecking: 'accept-new' });
    expect((await verify({ host: h }, keyB)).ok).toBe(true);
    expect(fs.readFileSync(user, 'utf8')).toBe(entry('example.org', keyB));
    expect(fs.readFileSync(global, 'utf8')).toBe(entry('myalias', keyA));
  });

  it('accepts under accept-new with UserKnownHostsFile /dev/null without writing', async () => {
    expect((await verify({ host: host({ knownHostsFiles: ['/dev/null'], strictHostKeyChecking: 'accept-new' }) }, keyA)).ok).toBe(true);
  });

  describe('CheckHostIP', () => {
    const named = (over: Partial<ResolvedHost> = {}): ResolvedHost => host({ hostname: 'vault.example', checkHostIP: true, ...over });
    const at = (ip: string) => (): string => ip;

    it('refuses a key other than the one recorded for the address; StrictHostKeyChecking=no only warns', async () => {
      const file = kh(entry('[vault.example]:2222', keyA) + entry('[192.0.2.7]:2222', keyB));
      const { ok, v } = await verify({ host: named({ knownHostsFiles: [file] }), address: at('192.0.2.7') }, keyA);
      expect(ok).toBe(false);
      expect(v.failure()).toMatchObject({ code: 'ERR_HOST_KEY_CHANGED' });
      expect(v.failure()!.message).toContain(`differs from the key for the IP address '192.0.2.7' (offending key in ${file}:2)`);
      const warned: string[] = [];
      expect((await verify({ host: named({ knownHostsFiles: [file], strictHostKeyChecking: 'no' }), address: at('192.0.2.7'), warn: (l) => warned.push(l) }, keyA)).ok).toBe(true);
      expect(warned).toEqual([expect.stringMatching(/^Warning: the ED25519 host key for '\[vault\.example\]:2222' differs from the key for the IP address '192\.0\.2\.7'/)]);
    });

    it('checks and records the address under its real port with a HostKeyAlias too, as ssh', async () => {
      const file = kh(entry('myalias', keyA) + entry('[192.0.2.7]:2222', keyB));
      const refused = await verify({ host: named({ hostKeyAlias: 'myalias', knownHostsFiles: [file] }), address: at('192.0.2.7') }, keyA);
      expect(refused.ok).toBe(false);
      expect(refused.v.failure()!.message).toContain(`ssh-keygen -R '[192.0.2.7]:2222' -f ${file}`);
      const fresh = kh(entry('myalias', keyA));
      expect((await verify({ host: named({ hostKeyAlias: 'myalias', knownHostsFiles: [fresh] }), address: at('192.0.2.7') }, keyA)).ok).toBe(true);
      expect(fs.readFileSync(fresh, 'utf8')).toBe(entry('myalias', keyA) + entry('[192.0.2.7]:2222', keyA));
    });

    // ssh (sshconnect.c) writes a new name and its new address as one `host,address`
    // line, hashed as a line each; scpipe wrote two lines and said two warnings.
    it('records a new name and its new address on one line, in one warning, as ssh', async () => {
      const file = kh();
      const warned: string[] = [];
      expect((await verify({ host: named({ knownHostsFiles: [file], strictHostKeyChecking: 'accept-new' }), address: at('192.0.2.7'), warn: (l) => warned.push(l) }, keyA)).ok).toBe(true);
      expect(fs.readFileSync(file, 'utf8')).toBe(entry('[vault.example]:2222,[192.0.2.7]:2222', keyA));
      expect(warned).toEqual(["Warning: Permanently added '[vault.example]:2222,[192.0.2.7]:2222' (ED25519) to the list of known hosts."]);
      // OpenSSH finds the key under either name.
      for (const name of ['[vault.example]:2222', '[192.0.2.7]:2222']) expect(execFileSync('ssh-keygen', ['-F', name, '-f', file], { encoding: 'utf8' })).toContain(keyA.toString('base64'));
    });

    it('hashes a new name and its new address as a line each under HashKnownHosts, as ssh', async () => {
      const file = kh();
      const warned: string[] = [];
      expect((await verify({ host: named({ knownHostsFiles: [file], strictHostKeyChecking: 'accept-new', hashKnownHosts: true }), address: at('192.0.2.7'), warn: (l) => warned.push(l) }, keyA)).ok).toBe(true);
      const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
      expect(lines).toEqual([expect.stringMatching(/^\|1\|\S+ ssh-ed25519 /), expect.stringMatching(/^\|1\|\S+ ssh-ed25519 /)]);
      expect(warned).toEqual(["Warning: Permanently added '[vault.example]:2222,[192.0.2.7]:2222' (ED25519) to the list of known hosts."]);
      for (const name of ['[vault.example]:2222', '[192.0.2.7]:2222']) expect(execFileSync('ssh-keygen', ['-F', name, '-f', file], { encoding: 'utf8' })).toContain(keyA.toString('base64'));
    });

    it("adds a known name's new address alone, in ssh's words for it", async () => {
      const file = kh(entry('[vault.example]:2222', keyA));
      const warned: string[] = [];
      expect((await verify({ host: named({ knownHostsFiles: [file] }), address: at('192.0.2.7'), warn: (l) => warned.push(l) }, keyA)).ok).toBe(true);
      expect(fs.readFileSync(file, 'utf8')).toBe(entry('[vault.example]:2222', keyA) + entry('[192.0.2.7]:2222', keyA));
      expect(warned).toEqual(["Warning: Permanently added the ED25519 host key for IP address '[192.0.2.7]:2222' to the list of known hosts."]);
    });

    it.each(['127.0.0.1', '127.1.2.3', '::1'])('leaves the loopback address %s out, as ssh: nothing checked, nothing recorded', async (ip) => {
      const other = entry(ip === '::1' ? '[::1]:2222' : `[${ip}]:2222`, keyB);
      const file = kh(entry('[vault.example]:2222', keyA) + other);
      expect((await verify({ host: named({ knownHostsFiles: [file] }), address: at(ip) }, keyA)).ok).toBe(true);
      const fresh = kh(entry('[vault.example]:2222', keyA));
      expect((await verify({ host: named({ knownHostsFiles: [fresh] }), address: at(ip) }, keyA)).ok).toBe(true);
      expect(fs.readFileSync(fresh, 'utf8')).toBe(entry('[vault.example]:2222', keyA));
    });
  });

  describe('in a real ssh2 handshake', () => {
    let server: Server;
    let port: number;
    beforeAll(async () => {
      server = new Server({ hostKeys: [fs.readFileSync(hostKeyFile)] }, (conn) => {
        conn.on('authentication', (ctx) => ctx.accept());
        conn.on('ready', () => conn.end());
        conn.on('error', () => undefined);
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => server.close());

    function connect(h: ResolvedHost) {
      const v = createHostVerifier({ host: h });
      const client = new Client();
      const done = new Promise<Error | undefined>((resolve) => {
        client.once('ready', () => resolve(undefined)).once('error', (e) => resolve(e));
        client.connect({ host: '127.0.0.1', port, username: 'u', hostVerifier: v.verify });
      }).finally(() => client.end());
      return { v, done };
    }

    it('refuses an unknown server under yes, then accept-new records the exact key ssh2 saw', async () => {
      const file = kh();
      const refused = connect(host({ port, knownHostsFiles: [file] }));
      expect(await refused.done).toBeInstanceOf(Error);
      expect(isScpipeError(refused.v.failure(), 'ERR_HOST_KEY_UNKNOWN')).toBe(true);

      const accepted = connect(host({ port, knownHostsFiles: [file], strictHostKeyChecking: 'accept-new' }));
      expect(await accepted.done).toBeUndefined();
      expect(fs.readFileSync(file, 'utf8')).toBe(entry(`[127.0.0.1]:${port}`, keyA));
      // and what was recorded is what ssh-keygen finds for that host
      const found = execFileSync('ssh-keygen', ['-F', `[127.0.0.1]:${port}`, '-f', file], { encoding: 'utf8' });
      expect(found).toContain(keyA.toString('base64'));

      const again = connect(host({ port, knownHostsFiles: [file] }));
      expect(await again.done).toBeUndefined();
    });
  });
});
