// Private key files in the formats ssh reads: OpenSSH, PEM (PKCS#1, SEC1)
// and PKCS#8 ("BEGIN PRIVATE KEY": `ssh-keygen -m PKCS8`, and what
// `openssl genrsa` writes since OpenSSL 3), each logging in as with ssh.
import { execFileSync } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli } from '../helpers/cli';

const sshd = sshdPerSuite();
let keys: string;
let dir: string;

beforeAll(async () => {
  keys = await mkdtemp(join(tmpdir(), 'scpipe-test-keys-'));
  dir = await userDir(sshd.rssh, 'formats');
});
afterAll(async () => {
  await rm(keys, { recursive: true, force: true });
});

// A new key made by `make`, authorized for the rssh account (sshd reads the file on each login).
async function authorized(name: string, make: (file: string) => void): Promise<string> {
  const file = join(keys, name);
  make(file);
  await appendFile(join(sshd.dir, 'authorized_keys', sshd.rssh.name), execFileSync('ssh-keygen', ['-y', '-f', file]));
  return file;
}

const keygen = (type: string, format: string) => (file: string): void => {
  execFileSync('ssh-keygen', ['-q', '-t', type, '-m', format, '-N', '', '-f', file]);
  // ssh-keygen writes a new key in its own format; -p -m rewrites it in `format`.
  execFileSync('ssh-keygen', ['-q', '-p', '-m', format, '-N', '', '-P', '', '-f', file]);
};

it.each([
  ['rsa', 'PKCS8', /^-----BEGIN PRIVATE KEY-----/],
  ['ecdsa', 'PKCS8', /^-----BEGIN PRIVATE KEY-----/],
  ['rsa', 'PEM', /^-----BEGIN RSA PRIVATE KEY-----/],
  ['ecdsa', 'PEM', /^-----BEGIN EC PRIVATE KEY-----/],
  ['ed25519', 'RFC4716', /^-----BEGIN OPENSSH PRIVATE KEY-----/],
])('a %s key in %s format logs in', async (type, format, header) => {
  const key = await authorized(`${type}-${format}`, keygen(type, format));
  expect(await readFile(key, 'utf8')).toMatch(header);
  const r = await runCli(['put', '-P', String(sshd.port), '-i', key, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${sshd.knownHostsPath}`, remote(sshd, sshd.rssh, `${dir}/${type}-${format}`)], { stdin: format });
  expect(r).toMatchObject({ status: 0, stderr: '' });
  expect(await readFile(join(dir, `${type}-${format}`), 'utf8')).toBe(format);
});

it('an encrypted PKCS#8 key under BatchMode: not offered, and the message says why', async () => {
  const key = join(keys, 'enc-pkcs8');
  execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-aes-256-cbc', '-pass', 'pass:secret', '-out', key], { stdio: ['ignore', 'ignore', 'pipe'] }); // its progress dots would clutter the test log
  expect(await readFile(key, 'utf8')).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
  const r = await runCli(['put', '-P', String(sshd.port), '-i', key, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${sshd.knownHostsPath}`, remote(sshd, sshd.rssh, `${dir}/enc`)], { stdin: 'x' });
  expect(r.status).toBe(255);
  expect(r.stderr).toContain(`${key} (encrypted, and BatchMode forbids asking for its passphrase)`);
});
