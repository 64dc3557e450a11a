// CertificateFile in the ssh2 transport: the test sshd trusts a user CA
// (TrustedUserCAKeys), and keys that are in no authorized_keys log in with
// the certificate the CA signed for them, found next to the key
// (KEY-cert.pub, as ssh finds it) or named by -o CertificateFile.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { copyFile, readFile, readdir, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { remote, runCli, sshFlags } from '../helpers/cli';
import { waitFor } from '../helpers/async';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { startHostileAgent, type HostileAgent } from '../helpers/hostile-agent';

const keys = mkdtempSync(join(tmpdir(), 'scpipe-test-certs-'));
const keygen = (...args: string[]) => {
  const r = spawnSync('ssh-keygen', ['-q', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ssh-keygen ${args.join(' ')}: ${r.stderr}`);
};
// The CA, then per key type a key the server does not know and its certificate.
beforeAll(() => {
  keygen('-t', 'ed25519', '-N', '', '-C', 'test-ca', '-f', join(keys, 'ca'));
  for (const type of ['ed25519', 'ecdsa', 'rsa']) {
    keygen('-t', type, '-N', '', '-f', join(keys, `id_${type}`));
    keygen('-s', join(keys, 'ca'), '-I', `scpipe-test-${type}`, '-n', 'scpipe-rssh', join(keys, `id_${type}.pub`));
  }
  keygen('-t', 'ed25519', '-N', '', '-f', join(keys, 'id_uncertified'));
});
afterAll(() => rmSync(keys, { recursive: true, force: true }));

const sshd = sshdPerSuite({ trustedUserCAKeys: join(keys, 'ca.pub') });
let dir: string;
beforeEach(async () => {
  dir = await userDir(sshd.rssh, 'cert');
});

const put = (key: string, extra: string[], name: string) =>
  runCli(['put', ...sshFlags(sshd, sshd.rssh, extra, key), remote(sshd, sshd.rssh, `${dir}/${name}`)], { stdin: name });

describe('CertificateFile', () => {
  it('a key alone, in no authorized_keys, is refused', async () => {
    const r = await put(join(keys, 'id_uncertified'), [], 'never');
    expect(r.status).toBe(255);
    expect(r.stderr).toMatch(/Permission denied/);
  });

  it.each(['ed25519', 'ecdsa', 'rsa'])('%s: KEY-cert.pub next to the key logs in (-v names it)', async (type) => {
    const r = await put(join(keys, `id_${type}`), ['-v'], `cert-${type}`);
    expect(r.stderr).toContain(`offering certificate ${join(keys, `id_${type}-cert.pub`)}`);
    expect(r.status).toBe(0);
    expect(await readFile(join(dir, `cert-${type}`), 'utf8')).toBe(`cert-${type}`);
  });

  it('-o CertificateFile= names a certificate kept elsewhere', async () => {
    const elsewhere = mkdtempSync(join(keys, 'elsewhere-'));
    await copyFile(join(keys, 'id_ed25519'), join(elsewhere, 'key'));
    await copyFile(join(keys, 'id_ed25519-cert.pub'), join(elsewhere, 'the-cert'));
    expect((await put(join(elsewhere, 'key'), [], 'no-cert')).status).toBe(255);
    const r = await put(join(elsewhere, 'key'), ['-o', `CertificateFile=${join(elsewhere, 'the-cert')}`], 'named');
    expect(r.status).toBe(0);
    expect(await readFile(join(dir, 'named'), 'utf8')).toBe('named');
  });

  it('a certificate of another key is not offered with this one', async () => {
    const r = await put(join(keys, 'id_uncertified'), ['-v', '-o', `CertificateFile=${join(keys, 'id_ecdsa-cert.pub')}`], 'other');
    expect(r.status).toBe(255);
    expect(r.stderr).not.toContain('offering certificate');
  });

  it('a file that is not a certificate is skipped, saying why', async () => {
    const fake = join(keys, 'fake-cert.pub');
    await copyFile(join(keys, 'id_uncertified.pub'), fake);
    const r = await put(join(keys, 'id_ed25519'), ['-v', '-o', `CertificateFile=${fake}`], 'fake');
    expect(r.stderr).toContain(`certificate ${fake} skipped: not a certificate of a supported type (ssh-ed25519)`);
    expect(r.status).toBe(0); // the real one next to the key still works
    await rename(fake, `${fake}.done`);
  });
});

// ssh-agent holds the plain key (added from another copy, or before the
// certificate was issued), the file next to the certificate is encrypted:
// ssh offers the certificate and has the agent sign, asking nothing. It was
// skipped with the file, as a key the agent had offered: Permission denied,
// exit 255. User sees: nothing, exit 0; left: the file stored.
describe('an encrypted key whose ssh-agent copy has no certificate', () => {
  let agent: ChildProcess;
  const sock = join(keys, 'agent.sock');
  beforeAll(async () => {
    agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    await waitFor(() => existsSync(sock), 'the ssh-agent socket', 10_000);
    mkdirSync(join(keys, 'plain'));
    for (const type of ['ed25519', 'rsa']) {
      const plain = join(keys, 'plain', `enc_${type}`);
      keygen('-t', type, '-N', '', '-f', plain);
      const r = spawnSync('ssh-add', ['-q', plain], { env: { ...process.env, SSH_AUTH_SOCK: sock }, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`ssh-add: ${r.stderr}`);
      spawnSync('cp', [plain, `${plain}.pub`, keys]);
      keygen('-p', '-P', '', '-N', 'secret words', '-f', join(keys, `enc_${type}`));
      keygen('-s', join(keys, 'ca'), '-I', `scpipe-test-enc-${type}`, '-n', 'scpipe-rssh', join(keys, `enc_${type}.pub`));
    }
  });
  afterAll(() => agent.kill());

  it.each(['ed25519', 'rsa'])('%s: its certificate is offered, signed by the agent, no passphrase asked', async (type) => {
    const r = await runCli(['put', ...sshFlags(sshd, sshd.rssh, [], join(keys, `enc_${type}`)), remote(sshd, sshd.rssh, `${dir}/agent-${type}`)],
      { stdin: type, env: { SSH_AUTH_SOCK: sock } });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(await readFile(join(dir, `agent-${type}`), 'utf8')).toBe(type);
  });
});

// A broken or hostile agent answers the sign request for the certificate
// with a signature that is no ECDSA signature. It ended the run with an
// internal error (ssh2 threw converting it). User sees: the agent's failure
// named, then the refusal, exit 255; left: nothing on the remote.
describe('an agent whose signature for the certificate is malformed', () => {
  const sock = join(keys, 'hostile-agent.sock');
  let agent: HostileAgent;
  beforeAll(async () => {
    mkdirSync(join(keys, 'hostile'));
    const plain = join(keys, 'hostile', 'enc_ecdsa');
    keygen('-t', 'ecdsa', '-N', '', '-f', plain);
    const blob = Buffer.from(readFileSync(`${plain}.pub`, 'utf8').split(' ')[1]!, 'base64');
    spawnSync('cp', [plain, `${plain}.pub`, keys]);
    keygen('-p', '-P', '', '-N', 'secret words', '-f', join(keys, 'enc_ecdsa'));
    keygen('-s', join(keys, 'ca'), '-I', 'scpipe-test-enc-ecdsa', '-n', 'scpipe-rssh', join(keys, 'enc_ecdsa.pub'));
    agent = await startHostileAgent(sock, 'ecdsa-sha2-nistp256', blob, Buffer.from([0x30, 0x03, 0x05, 0x01, 0x00]));
  });
  afterAll(() => agent.close());

  it('is the agent\'s failure and a refused login, exit 255, not an internal error', async () => {
    const r = await runCli(['put', ...sshFlags(sshd, sshd.rssh, [], join(keys, 'enc_ecdsa')), remote(sshd, sshd.rssh, `${dir}/hostile`)], { stdin: 'x', env: { SSH_AUTH_SOCK: sock } });
    expect(agent.signs()).toBe(1);
    expect(r.status).toBe(255);
    expect(r.stderr).toMatch(/^ssh-agent: signing with the ecdsa-sha2-nistp256 key SHA256:\S+ gave a malformed signature \(not the two integers of an ECDSA signature\): the key is skipped\n/);
    expect(r.stderr).toMatch(/\nscpipe: scpipe-rssh@127\.0\.0\.1: Permission denied \(tried agent/);
    expect(r.stderr).not.toContain('internal error');
    expect(await readdir(dir)).toEqual([]);
  });
});
