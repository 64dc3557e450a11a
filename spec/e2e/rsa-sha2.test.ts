// An RSA key file against a server that accepts only rsa-sha2-512 (a
// hardened PubkeyAcceptedAlgorithms): ssh signs with rsa-sha2-512 and logs
// in; so does scpipe (ssh2 alone signed with rsa-sha2-256 and was refused).
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags } from '../helpers/cli';

const sshd = sshdPerSuite({ pubkeyAcceptedAlgorithms: 'ssh-ed25519,rsa-sha2-512' });
let keys: string;
let rsa: string;

beforeAll(async () => {
  keys = await mkdtemp(join(tmpdir(), 'scpipe-test-rsa-'));
  rsa = join(keys, 'id_rsa');
  execFileSync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', rsa]);
  await appendFile(join(sshd.dir, 'authorized_keys', sshd.user.name), await readFile(`${rsa}.pub`));
});
afterAll(async () => {
  await rm(keys, { recursive: true, force: true });
});

it('ssh logs in with the RSA key (the set-up is right)', () => {
  const args = sshd.sshArgs(sshd.user).map((a) => (a === sshd.user.keyPath ? rsa : a));
  expect(spawnSync('ssh', [...args, '127.0.0.1', 'echo ok'], { encoding: 'utf8' }).stdout).toBe('ok\n');
});

it('scpipe logs in with it too, signing with rsa-sha2-512', async () => {
  const r = await runCli(['get', ...sshFlags(sshd, sshd.user, ['-o', 'IdentitiesOnly=yes'], rsa), remote(sshd, sshd.user, '/etc/hostname')]);
  expect(r).toMatchObject({ status: 0, stderr: '' });
  expect(sshd.logText()).toMatch(/Accepted publickey for scpipe-user .* RSA SHA256:/);
});
