// Reading an OpenSSH user certificate and pairing it with its key (keys and
// certificates made by ssh-keygen in a temporary directory).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { utils, type ParsedKey } from 'ssh2';
import { certifiedKey, certifies, parseCertificate, type Certificate } from '../../../lib/transport/certificate';

let dir: string;
const keygen = (...args: string[]) => expect(spawnSync('ssh-keygen', ['-q', ...args]).status).toBe(0);
const key = (name: string) => utils.parseKey(readFileSync(join(dir, name))) as ParsedKey;
const cert = (name: string) => parseCertificate(readFileSync(join(dir, name), 'utf8'), name) as Certificate;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'scpipe-cert-'));
  keygen('-t', 'ed25519', '-N', '', '-f', join(dir, 'ca'));
  for (const name of ['a', 'b']) keygen('-t', 'ed25519', '-N', '', '-f', join(dir, name));
  keygen('-t', 'rsa', '-b', '2048', '-N', '', '-f', join(dir, 'r'));
  for (const name of ['a', 'r']) keygen('-s', join(dir, 'ca'), '-I', 'id', '-n', 'u', join(dir, `${name}.pub`));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('certificates', () => {
  it('reads a certificate line, and says why a line is not one', () => {
    expect(cert('a-cert.pub').algorithm.offered).toBe('ssh-ed25519-cert-v01@openssh.com');
    expect(cert('r-cert.pub').algorithm).toMatchObject({ offered: 'rsa-sha2-512-cert-v01@openssh.com', signatureName: 'rsa-sha2-512' });
    expect(parseCertificate(readFileSync(join(dir, 'a.pub'), 'utf8'), 'a.pub')).toBe('not a certificate of a supported type (ssh-ed25519)');
    const [, blob] = readFileSync(join(dir, 'r-cert.pub'), 'utf8').split(' ');
    expect(parseCertificate(`ssh-ed25519-cert-v01@openssh.com ${blob}`, 'x')).toBe('its type does not match its contents');
    expect(parseCertificate('', 'x')).toBe('not a certificate of a supported type (empty)');
  });

  it('pairs a certificate with its own key only', () => {
    expect(certifies(cert('a-cert.pub'), key('a'))).toBe(true);
    expect(certifies(cert('a-cert.pub'), key('b'))).toBe(false);
    expect(certifies(cert('a-cert.pub'), key('r'))).toBe(false);
    expect(certifies(cert('r-cert.pub'), key('r'))).toBe(true);
  });

  it('the certified key shows the certificate and signs with the key (RSA: SHA-512)', () => {
    const r = key('r');
    const c = certifiedKey(r, cert('r-cert.pub'));
    expect(c.type).toBe('rsa-sha2-512-cert-v01@openssh.com');
    expect(c.getPublicSSH().equals(cert('r-cert.pub').blob)).toBe(true);
    expect(c.isPrivateKey()).toBe(true);
    const data = Buffer.from('signed');
    expect((c.sign(data) as Buffer).equals(r.sign(data, 'sha512') as Buffer)).toBe(true);
  });
});
