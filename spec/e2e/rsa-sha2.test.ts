// An RSA key file against a server that accepts only rsa-sha2-512 (a
// hardened PubkeyAcceptedAlgorithms): ssh signs with rsa-sha2-512 and logs
// in; so does scpipe (ssh2 alone signed with rsa-sha2-256 and was refused),
// with the key in a file, an encrypted one, or in ssh-agent.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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

// ssh asks the agent for an rsa-sha2-512 signature (SSH_AGENT_RSA_SHA2_512);
// ssh2 asked for rsa-sha2-256 and was refused: 'Permission denied (tried agent,none; …)', exit 255.
it('scpipe logs in with the RSA key held by ssh-agent too, asking the agent for rsa-sha2-512', async () => {
  const sock = join(keys, 'agent.sock');
  const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
    execFileSync('ssh-add', ['-q', rsa], { env: { ...process.env, SSH_AUTH_SOCK: sock } });
    // Only its public half on disk here: the key can come from the agent alone.
    await mkdir(join(keys, 'pub'));
    const pub = join(keys, 'pub', 'agent_rsa.pub');
    await copyFile(`${rsa}.pub`, pub);
    const accepted = (): number => sshd.logText().match(/Accepted publickey for scpipe-user .* RSA SHA256:/g)?.length ?? 0;
    const before = accepted();
    const r = await runCli(['get', ...sshFlags(sshd, sshd.user, ['-o', 'IdentitiesOnly=yes'], pub), remote(sshd, sshd.user, '/etc/hostname')], { env: { SSH_AUTH_SOCK: sock } });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(accepted()).toBe(before + 1);
  } finally {
    agent.kill();
  }
});

// An encrypted one is offered by its public key and unlocked only once the
// server accepts it (lazy-key.ts): it still signs with rsa-sha2-512.
it('an encrypted RSA key file logs in too, its passphrase given by SSH_ASKPASS', async () => {
  const enc = join(keys, 'id_rsa_enc');
  execFileSync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', 'pass phrase', '-f', enc]);
  await appendFile(join(sshd.dir, 'authorized_keys', sshd.user.name), await readFile(`${enc}.pub`));
  const askpass = join(keys, 'askpass');
  await writeFile(askpass, "#!/bin/sh\necho 'pass phrase'\n");
  await chmod(askpass, 0o755);
  const flags = sshFlags(sshd, sshd.user, ['-o', 'IdentitiesOnly=yes'], enc).map((a) => (a === 'BatchMode=yes' ? 'BatchMode=no' : a));
  const r = await runCli(['get', ...flags, remote(sshd, sshd.user, '/etc/hostname')], { env: { SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', SSH_AUTH_SOCK: '' } });
  expect(r).toMatchObject({ status: 0, stderr: '' });
});
