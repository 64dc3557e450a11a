import { execFileSync, spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  appendKnownHost,
  checkHostKey,
  fingerprint,
  keyType,
  knownHostsName,
} from '../../../lib/transport/known-hosts';

let dir: string;
let ed1: Buffer; // ssh-ed25519
let ed2: Buffer; // another ssh-ed25519
let ecdsa: Buffer; // ecdsa-sha2-nistp256
let ed1Pub: string;

function genKey(name: string, type: string): string {
  const file = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-N', '', '-t', type, '-C', `${name}@test`, '-f', file]);
  return fs.readFileSync(`${file}.pub`, 'utf8').trim();
}
const blob = (pubLine: string): Buffer => Buffer.from(pubLine.split(' ')[1], 'base64');

let counter = 0;
function knownHosts(text: string): string {
  const file = path.join(dir, `known_hosts_${counter++}`);
  fs.writeFileSync(file, text);
  return file;
}
const line = (hosts: string, key: Buffer, marker = ''): string =>
  `${marker}${marker ? ' ' : ''}${hosts} ${keyType(key)} ${key.toString('base64')} comment\n`;
function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}
const check = (files: string[], host: string, port: number, key: Buffer) => checkHostKey({ files, host, port, key });

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scpipe-test-'));
  ed1Pub = genKey('ed1', 'ed25519');
  ed1 = blob(ed1Pub);
  ed2 = blob(genKey('ed2', 'ed25519'));
  ecdsa = blob(genKey('ec', 'ecdsa'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('names', () => {
  it('names hosts like OpenSSH', () => {
    expect(knownHostsName('Host', 22)).toBe('host');
    expect(knownHostsName('127.0.0.1', 2222)).toBe('[127.0.0.1]:2222');
    expect(knownHostsName('::1', 22)).toBe('::1');
  });
});

describe('fingerprint and keyType', () => {
  it('equals ssh-keygen -lf', () => {
    const out = execFileSync('ssh-keygen', ['-lf', path.join(dir, 'ed1.pub')], { encoding: 'utf8' });
    expect(out.split(' ')[1]).toBe(fingerprint(ed1));
    expect(fingerprint(ed1)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
  it('reads the type from the blob', () => {
    expect(keyType(ed1)).toBe('ssh-ed25519');
    expect(keyType(ecdsa)).toBe('ecdsa-sha2-nistp256');
    expect(() => keyType(Buffer.from([0, 0]))).toThrow();
  });
});

describe('checkHostKey', () => {
  it('matches plain, comma-listed and wildcard entries', async () => {
    const f = knownHosts(`# comment\n\n${line('other,myhost', ed1)}${line('*.example.com', ed2)}`);
    expect(await check([f], 'myhost', 22, ed1)).toEqual({ status: 'match' });
    expect(await check([f], 'MyHost', 22, ed1)).toEqual({ status: 'match' });
    expect(await check([f], 'a.example.com', 22, ed2)).toEqual({ status: 'match' });
    expect(await check([f], 'nohost', 22, ed1)).toEqual({ status: 'unknown' });
  });

  it('uses [host]:port for other ports', async () => {
    const f = knownHosts(line('[127.0.0.1]:2222', ed1) + line('127.0.0.1', ed2));
    expect(await check([f], '127.0.0.1', 2222, ed1)).toEqual({ status: 'match' });
    expect(await check([f], '127.0.0.1', 22, ed2)).toEqual({ status: 'match' });
    expect(await check([f], '127.0.0.1', 2223, ed1)).toEqual({ status: 'unknown' });
    const w = knownHosts(line('[127.0.0.1]:*', ed1));
    expect(await check([w], '127.0.0.1', 4000, ed1)).toEqual({ status: 'match' });
  });

  it('matches wildcard ports as OpenSSH does: the pattern is matched against "[host]:port" as a whole', async () => {
    const f = knownHosts(line('[127.0.0.1]:2?22', ed1) + line('[*.example.com]:*', ed2) + line('[10.*]:*,![10.0.0.9]:*', ed1));
    expect(await check([f], '127.0.0.1', 2022, ed1)).toEqual({ status: 'match' });
    expect(await check([f], '127.0.0.1', 2122, ed1)).toEqual({ status: 'match' });
    expect(await check([f], '127.0.0.1', 222, ed1)).toEqual({ status: 'unknown' });
    expect(await check([f], 'a.example.com', 8022, ed2)).toEqual({ status: 'match' });
    expect(await check([f], '10.1.2.3', 2222, ed1)).toEqual({ status: 'match' });
    expect(await check([f], '10.0.0.9', 2222, ed1)).toEqual({ status: 'unknown' });
    // Port 22 is looked up as the bare name, which no [..]:* pattern matches (nor in ssh).
    expect(await check([f], 'a.example.com', 22, ed2)).toEqual({ status: 'unknown' });
  });

  it('excludes negated hosts', async () => {
    const f = knownHosts(line('*.example.com,!bad.example.com', ed1));
    expect(await check([f], 'good.example.com', 22, ed1)).toEqual({ status: 'match' });
    expect(await check([f], 'bad.example.com', 22, ed1)).toEqual({ status: 'unknown' });
  });

  it('matches hashed entries it hashed itself', async () => {
    const f = knownHosts(line(hashed('[10.0.0.1]:2222'), ed1) + line(hashed('plain.host'), ed2));
    expect(await check([f], '10.0.0.1', 2222, ed1)).toEqual({ status: 'match' });
    expect(await check([f], 'plain.host', 22, ed2)).toEqual({ status: 'match' });
    expect(await check([f], '10.0.0.1', 22, ed1)).toEqual({ status: 'unknown' });
  });

  it('matches entries hashed by ssh-keygen -H', async () => {
    const f = knownHosts(line('hashme.example', ed1) + line('[hashme.example]:2022', ed2));
    execFileSync('ssh-keygen', ['-q', '-H', '-f', f], { stdio: 'ignore' });
    const text = fs.readFileSync(f, 'utf8');
    expect(text).not.toContain('hashme');
    expect(text.split('\n')[0]).toMatch(/^\|1\|/);
    expect(await check([f], 'hashme.example', 22, ed1)).toEqual({ status: 'match' });
    expect(await check([f], 'hashme.example', 2022, ed2)).toEqual({ status: 'match' });
    expect(await check([f], 'hashme.example', 2022, ed1)).toEqual({ status: 'changed', file: f, line: 2 });
  });

  it('finds what ssh finds for names in other cases and scripts, plain and hashed (A-Z alone is folded, as ssh does)', async () => {
    // ssh files BÜCHER.Example as bÜcher.example, and the Kelvin sign (K) is not a K.
    const names = ['kelvin.example', '\u212Aelvin.example', 'bÜcher.example', 'BÜCHER.Example', 'bücher.example', 'istanbul.example', 'İstanbul.example'];
    const plain = knownHosts(['kelvin.example', 'bÜcher.example', 'istanbul.example'].map((h) => line(h, ed1)).join(''));
    const hashedFile = knownHosts(fs.readFileSync(plain, 'utf8'));
    execFileSync('ssh-keygen', ['-q', '-H', '-f', hashedFile], { stdio: 'ignore' });
    for (const file of [plain, hashedFile]) {
      for (const name of names) {
        // What ssh looks up: its host name (ssh -G), which ssh-keygen -F then finds or not (exit 1).
        const asSsh = /^hostname (.*)$/m.exec(execFileSync('ssh', ['-F', 'none', '-G', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))![1]!;
        const found = spawnSync('ssh-keygen', ['-F', asSsh, '-f', file], { encoding: 'utf8' }).stdout.includes(keyType(ed1));
        expect([name, (await check([file], name, 22, ed1)).status]).toEqual([name, found ? 'match' : 'unknown']);
      }
    }
  });

  it('reports a different key of the same type as changed, with file and line', async () => {
    const f = knownHosts(`# header\n${line('other', ed1)}${line('myhost', ed2)}`);
    expect(await check([f], 'myhost', 22, ed1)).toEqual({ status: 'changed', file: f, line: 3 });
  });

  // ssh too: "REMOTE HOST IDENTIFICATION HAS CHANGED ... Offending ECDSA key" (hostfile.c).
  it('reports a host known only by keys of other types as changed, a same-type entry first', async () => {
    const f = knownHosts(line('myhost', ecdsa));
    expect(await check([f], 'myhost', 22, ed1)).toEqual({ status: 'changed', file: f, line: 1 });
    const both = knownHosts(line('myhost', ecdsa) + line('myhost', ed2));
    expect(await check([both], 'myhost', 22, ed1)).toEqual({ status: 'changed', file: both, line: 2 });
    expect(await check([both], 'otherhost', 22, ed1)).toEqual({ status: 'unknown' });
  });

  it('prefers a match in any file over a conflicting entry in another', async () => {
    const a = knownHosts(line('myhost', ed2));
    const b = knownHosts(line('myhost', ed1));
    expect(await check([a, b], 'myhost', 22, ed1)).toEqual({ status: 'match' });
  });

  it('refuses revoked keys, even when also listed', async () => {
    const f = knownHosts(line('myhost', ed1) + line('*', ed1, '@revoked'));
    expect(await check([f], 'myhost', 22, ed1)).toEqual({ status: 'revoked' });
    expect(await check([f], 'myhost', 22, ed2)).toEqual({ status: 'changed', file: f, line: 1 });
  });

  it('ignores @cert-authority lines (naming the first), bad markers and malformed lines', async () => {
    const f = knownHosts(
      line('myhost', ed2, '@cert-authority') + line('myhost', ed2, '@bogus') +
        'myhost ssh-ed25519\nmyhost ssh-rsa ' + ed2.toString('base64') + '\nmyhost 1024 35 12345\n',
    );
    expect(await check([f], 'myhost', 22, ed1)).toEqual({ status: 'unknown', certAuthority: { file: f, line: 1 } });
  });

  it('skips missing files', async () => {
    expect(await check([path.join(dir, 'nope', 'known_hosts')], 'h', 22, ed1)).toEqual({ status: 'unknown' });
  });
});

describe('appendKnownHost', () => {
  it('creates dir (0700) and file (0600), appends, and re-checks', async () => {
    const file = path.join(dir, 'newdir', 'sub', 'known_hosts');
    await appendKnownHost(file, '127.0.0.1', 2222, ed1);
    await appendKnownHost(file, 'Plain.Host', 22, ed2);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file, 'utf8')).toBe(
      `[127.0.0.1]:2222 ssh-ed25519 ${ed1.toString('base64')}\nplain.host ssh-ed25519 ${ed2.toString('base64')}\n`,
    );
    expect(await check([file], '127.0.0.1', 2222, ed1)).toEqual({ status: 'match' });
    expect(await check([file], 'plain.host', 22, ed2)).toEqual({ status: 'match' });
    // The file is one ssh-keygen reads too.
    const found = execFileSync('ssh-keygen', ['-F', '[127.0.0.1]:2222', '-f', file], { encoding: 'utf8' });
    expect(found).toContain(ed1.toString('base64'));
  });

  it('adds a newline to a file that lacks one', async () => {
    const file = knownHosts(line('a', ed1).trimEnd());
    await appendKnownHost(file, 'b', 22, ed2);
    expect(await check([file], 'a', 22, ed1)).toEqual({ status: 'match' });
    expect(await check([file], 'b', 22, ed2)).toEqual({ status: 'match' });
  });

  it('the line ssh-keygen -lf reads back has the same fingerprint', async () => {
    const file = path.join(dir, 'kh_fp');
    await appendKnownHost(file, 'fp.host', 22, ed1);
    const out = execFileSync('ssh-keygen', ['-lf', file], { encoding: 'utf8' });
    expect(out).toContain(fingerprint(ed1));
    expect(ed1Pub).toContain(ed1.toString('base64'));
  });
});
