// A host trusted only through a host CA (`@cert-authority` in known_hosts,
// sshd's HostCertificate): ssh checks the certificate; the ssh2 transport
// cannot, and says so instead of calling the host merely "not known".
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { remote, runCli } from '../helpers/cli';
import { sshdPerSuite } from '../helpers/sshd-per-suite';

const keys = mkdtempSync(join(tmpdir(), 'scpipe-test-hostca-'));
beforeAll(() => {
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test-host-ca', '-f', join(keys, 'ca')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
});
afterAll(() => rmSync(keys, { recursive: true, force: true }));

const sshd = sshdPerSuite({ hostCertificateCA: join(keys, 'ca') });
let knownHosts: string;
beforeAll(() => {
  knownHosts = join(keys, 'known_hosts');
  writeFileSync(knownHosts, `@cert-authority [127.0.0.1]:${sshd.port} ${readFileSync(join(keys, 'ca.pub'), 'utf8')}`);
});

const flags = (strict: string, extra: string[] = []): string[] => [
  '-P', String(sshd.port), '-i', sshd.user.keyPath, '-F', 'none', '-o', 'BatchMode=yes',
  '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'GlobalKnownHostsFile=/dev/null', '-o', `StrictHostKeyChecking=${strict}`, ...extra,
];

describe('a host known only through @cert-authority', () => {
  it('ssh itself trusts it (the set-up is right)', () => {
    const r = spawnSync('ssh', [...sshd.sshArgs(sshd.user), '-o', `UserKnownHostsFile=${knownHosts}`, '127.0.0.1', 'echo ok'], { encoding: 'utf8' });
    expect(r.stdout).toBe('ok\n');
  });

  it('ssh2: refused under StrictHostKeyChecking=yes, saying that host certificates are not checked and what to do', async () => {
    const r = await runCli(['get', ...flags('yes'), remote(sshd, sshd.user, '/etc/hostname')]);
    expect(r.status).toBe(255);
    expect(r.stderr).toContain(
      `is not known and you have requested strict checking. known_hosts trusts a certificate authority for [127.0.0.1]:${sshd.port} ` +
        `(@cert-authority in ${knownHosts}:1), but the ssh2 transport cannot check host certificates: use --transport openssh, whose ssh checks them, or trust the host's own key.`,
    );
  });

  it('ssh2: under accept-new the own key is taken, with a warning that the certificate was not checked', async () => {
    const copy = join(keys, 'kh-accept-new');
    writeFileSync(copy, readFileSync(knownHosts));
    const r = await runCli(['get', ...flags('accept-new').map((f) => f.replace(knownHosts, copy)), remote(sshd, sshd.user, '/etc/hostname')]);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(`(@cert-authority in ${copy}:1), but the ssh2 transport cannot check host certificates: its own key is taken on first use instead (--transport openssh checks the certificate)`);
    expect(readFileSync(copy, 'utf8')).toContain(`\n[127.0.0.1]:${sshd.port} ssh-ed25519 `);
  });

  it('--transport openssh: ssh checks the certificate and the copy works', async () => {
    const r = await runCli(['get', '--transport', 'openssh', ...flags('yes'), remote(sshd, sshd.user, '/etc/hostname')]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
  });
});
